"""Query counts: opening an inspection, submitting one, and the list pages stay constant."""

import math
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from inspections import services
from inspections.models import Answer, Inspection, Place

from .conftest import answer_all

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [q["sql"] for q in ctx.captured_queries]


def test_opening_a_247_item_inspection_issues_a_constant_small_number_of_queries(full_published, tree, worker, login, django_assert_num_queries):
    big_place = services.place_create(by=worker, name="全量巡查点", place_type="other", latitude=22.95, longitude=113.11)
    small_place = services.place_create(by=worker, name="丽豪水果店", place_type="shop", latitude=22.95, longitude=113.11)
    big = services.inspection_start(inspector=worker, place=big_place)
    small = services.inspection_start(inspector=worker, place=small_place, scene="shop")  # the full list, not the short one
    assert big.scene.items.count() == 247 and small.scene.items.count() == 79
    answer_all(big, worker, fail={"XF-001", "SJJ-001"})
    client = login(worker)
    # 1 session, 2 user, 3 profile (role for the menu), 4 the user's jurisdiction paths,
    # 5 the inspection with place, scene, version, grid and inspector,
    # 6 the scene's items with their departments, 7 the draft's photos.
    with django_assert_num_queries(7):
        response = client.get(f"/inspections/i/{big.client_uuid}/")
    html = response.content.decode()
    assert html.count("data-item=") == 247 and "247 / 247" in html
    assert len(_queries(client, f"/inspections/i/{small.client_uuid}/")) == 7


def test_submitting_uses_batched_inserts_whatever_the_number_of_answers_and_failures(full_published, tree, worker):
    """A few failures vs twenty, 79 answers vs 247: the same queries.

    Routing (dispatch.routing.route_for_case) runs once per distinct case category in the
    batch (cases.batch caches it), so both inspections fail items of the same four categories;
    everything else — answers, cases, events, evidence — is one INSERT each.
    """
    shop = services.place_create(by=worker, name="水果店", place_type="shop", latitude=22.95, longitude=113.11)
    other = services.place_create(by=worker, name="全量点", place_type="other", latitude=22.95, longitude=113.11)
    small = services.inspection_start(inspector=worker, place=shop, scene="shop")
    big = services.inspection_start(inspector=worker, place=other)
    codes = ["0702", "0799", "1308", "1306"]  # 消防设施, 消防安全其他, 文化娱乐场所, 公共场所卫生
    few = set()
    for code in codes:  # one failed item of each category in the shop scene
        few.add(small.scene.items.filter(category__code=code).order_by("order").first().code)
    many = set()
    for code in codes:  # five of each in the 247-item scene
        many |= set(big.scene.items.filter(category__code=code).order_by("order").values_list("code", flat=True)[:5])
    assert len(few) == 4 and len(many) == 20
    answer_all(small, worker, fail=few)
    answer_all(big, worker, fail=many)

    def submit(inspection):
        with CaptureQueriesContext(connection) as ctx:
            services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.11)
        return [q["sql"] for q in ctx.captured_queries]

    # Rules, the calendar and the grids are kept per process (core/refdata.py): measure a warm process.
    from dispatch.routing import routing_data, work_schedule
    from grids.selectors import grid_for_point

    routing_data(), work_schedule(), grid_for_point(lat=22.95, lng=113.11)
    q_small, q_big = submit(small), submit(big)
    assert Answer.objects.filter(inspection=big).count() == 247 and Answer.objects.filter(inspection=small).count() == 79
    assert Case.objects.count() == 24
    # Everything but the INSERTs is the same list of queries: lock the draft, items, photos,
    # existing cases, the day counter (read + ONE update), routing per category, final UPDATE.
    def others(queries):  # the statements with their values (and IN lists) blanked out
        return [re.sub(r"IN \([^)]*\)", "IN (…)", re.sub(r"'[^']*'|\b\d+\b", "?", q))
                for q in queries if not q.startswith(("INSERT", "SAVEPOINT", "RELEASE"))]

    assert others(q_small) == others(q_big), "\n".join(q_big)
    assert sum(q.startswith('UPDATE "cases_dailycounter"') for q in q_big) == 1
    tables = Counter(q.split('"')[1] for q in q_big if q.startswith("INSERT"))
    if connection.vendor == "postgresql":
        # One INSERT per table: cases, their events, their photos, the answers.
        assert tables == {"cases_case": 1, "cases_caseevent": 1, "cases_caseattachment": 1, "inspections_answer": 1}
    else:
        # SQLite caps a statement at 999 parameters, so Django splits bulk inserts into chunks
        # of 999 // columns rows: still a handful of statements, not one per row.
        answer_fields = [f for f in Answer._meta.concrete_fields if not f.primary_key]
        per_insert = connection.ops.bulk_batch_size(answer_fields, [None] * 247)
        assert tables["inspections_answer"] == math.ceil(247 / per_insert) < 10
        assert tables["cases_case"] == 1 and tables["cases_caseevent"] == 1


def test_list_pages_issue_the_same_queries_for_10_and_many_rows(published, tree, worker, users, login, dept_users, django_assert_num_queries):
    def inspect(n):
        for k in range(n):
            place = services.place_create(by=worker, name=f"店{Inspection.objects.count()}-{k}", place_type="shop", latitude=22.95, longitude=113.11)
            inspection = services.inspection_start(inspector=worker, place=place)
            answer_all(inspection, worker, fail={"SJJ-001"})
            services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.11)

    officer, dept = login(users["district_officer"]), None
    urls = ("/inspections/list/", "/inspections/places/")
    inspect(3)
    counts_3 = {url: len(_queries(officer, url)) for url in urls}
    inspect(12)
    counts_15 = {url: len(_queries(officer, url)) for url in urls}
    assert counts_3 == counts_15
    # list: 1 session, 2 user, 3 profile, 4 scope paths, 5 count, 6 the page (place, scene, grid, inspector),
    # 7 the user's grids for the filter
    with django_assert_num_queries(7):
        officer.get("/inspections/list/")
    place = Inspection.objects.first().place
    # history: session, user, profile, scope paths, the place, its inspections, pass rates by department
    with django_assert_num_queries(7):
        officer.get(f"/inspections/places/{place.pk}/")

    dept = login(dept_users["sjj"])
    # results: 1 session, 2 user, 3 profile, 4 the user's unit, 5 its parent department, 6 published version,
    # 7 scope paths, 8 grids (filter), 9 scenes (filter), 10 the department's items (filter), 11 count,
    # 12 the page (item, place, scene, grid, case), 13 the pass/fail/na summary
    with django_assert_num_queries(14):
        response = dept.get("/inspections/results/")
    assert len(response.context["page"]) == 30  # 15 inspections × SJJ-001, SJJ-002


def test_the_pick_a_place_page_and_a_submitted_inspection_issue_constant_queries(published, tree, worker, login, django_assert_num_queries):
    client = login(worker)

    def add_places(n):
        for k in range(n):
            services.place_create(by=worker, name=f"店铺{k}-{n}", place_type="shop", latitude=22.95, longitude=113.11)

    add_places(22)  # 20 due (never inspected) and 2 others
    few = len(_queries(client, "/inspections/m/"))
    add_places(25)
    # 1 session, 2 user, 3 profile, 4 scope paths, 5 my drafts, 6 the kinds of place (chips),
    # 7 places due (with grid, last inspection and its failures), 8 count and 9 page of the others
    with django_assert_num_queries(9):
        response = client.get("/inspections/m/")
    assert few == 9
    html = response.content.decode()
    assert html.count('class="card place-card"') == 40 and 'id="more-places"' in html  # 20 due + a page of 20 others
    # "Show more" (htmx): the next page of the others; the same queries but the drafts.
    with django_assert_num_queries(8):
        response = client.get("/inspections/m/places/?page=2", HTTP_HX_REQUEST="true")
    assert response.content.decode().count('class="card place-card"') == 7
    # An htmx search: session, user, profile, scope paths, the places found (≤ 30)
    with django_assert_num_queries(5):
        response = client.get("/inspections/m/places/?q=店铺", HTTP_HX_REQUEST="true")
    assert response.content.decode().count('class="card place-card"') == 30  # the first 30 of 47

    place = Place.objects.first()
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail={"XF-001", "SJJ-001"})
    services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.11)
    # 1 session, 2 user, 3 profile, 4 scope paths, 5 the inspection (place, scene, version, grid, inspector,
    # the inspection it re-inspects), 6 its photos, 7 its answers with items, departments and cases,
    # 8 its re-inspections (复查)
    with django_assert_num_queries(8):
        response = client.get(f"/inspections/i/{inspection.client_uuid}/")
    assert response.content.decode().count('class="item"') == 7
