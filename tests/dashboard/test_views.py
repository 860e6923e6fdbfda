"""The dashboard pages: who may see them, the village's own numbers, .xlsx downloads, click-through."""

import io

import pytest
from openpyxl import load_workbook

from .test_numbers import handmade  # noqa: F401  (the hand-made cases)

pytestmark = pytest.mark.django_db
PERIOD = "period=custom&since=2026-09-01&until=2026-10-31"


def test_roles_without_a_dashboard_get_403(handmade, users, dept_users, login, client):
    for user in (users["grid_worker"], dept_users["cgzf_s1"]):
        login(user)
        assert client.get(f"/dashboard/?{PERIOD}").status_code == 403
        assert client.get(f"/dashboard/export/regions.xlsx?{PERIOD}").status_code == 403
    client.logout()
    assert client.get("/dashboard/").status_code == 302  # to the login page


def test_region_outside_the_jurisdiction_is_404(handmade, users, tree, login, client):
    login(users["village_staff"])
    assert client.get(f"/dashboard/?region={tree['s1'].code}&{PERIOD}").status_code == 404
    assert client.get(f"/dashboard/?region={tree['v3'].code}&{PERIOD}").status_code == 404
    assert client.get(f"/dashboard/map.json?region={tree['district'].code}&{PERIOD}").status_code == 404


def test_village_page_counts_only_its_village(handmade, users, login, client):
    login(users["village_staff"])
    page = client.get(f"/dashboard/?{PERIOD}")
    assert page.status_code == 200
    assert page.context["board"].totals["found"] == 8
    login(users["district_officer"])
    assert client.get(f"/dashboard/?{PERIOD}").context["board"].totals["found"] == 9


def test_numbers_click_through_to_the_same_cases(handmade, users, login, client):
    login(users["village_staff"])
    page = client.get(f"/dashboard/?{PERIOD}")
    links = {label: url for label, _value, url in page.context["headline"]}
    found = client.get(links["Found"] if "Found" in links else list(links.values())[0])
    assert found.status_code == 200 and len(found.context["page"].rows) == 8
    opened = client.get(list(links.values())[4])  # still open
    assert len(opened.context["page"].rows) == 3


def test_every_table_downloads_as_xlsx(handmade, users, login, client):
    login(users["district_officer"])
    for table in ("headline", "regions", "majors", "categories", "departments", "sources", "months", "weeks", "places"):
        response = client.get(f"/dashboard/export/{table}.xlsx?{PERIOD}")
        assert response.status_code == 200, table
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        book = load_workbook(io.BytesIO(response.content))
        rows = list(book.active.iter_rows(values_only=True))
        if table == "regions":
            # Header on row 3, then the two streets: 石湾 8 found, 祖庙 1.
            assert [(r[0], r[1]) for r in rows[3:]] == [("石湾镇街道", 8), ("祖庙街道", 1)]
    assert client.get(f"/dashboard/export/nonsense.xlsx?{PERIOD}").status_code == 404


def test_bad_period_is_a_message_not_a_500(handmade, users, login, client):
    login(users["district_officer"])
    page = client.get("/dashboard/?period=custom&since=2026-10-31&until=2026-09-01")
    assert page.status_code == 200 and page.context["form"].errors
    assert client.get("/dashboard/?period=custom&since=not-a-date").status_code == 200
    assert client.get("/dashboard/?measure=%00&region=x" + "9" * 40).status_code in (400, 404)


def test_map_json_has_grids_with_values_and_points(handmade, users, login, client):
    login(users["village_staff"])
    data = client.get(f"/dashboard/map.json?{PERIOD}&measure=found").json()
    values = {f["properties"]["code"]: f["properties"]["value"] for f in data["grids"]["features"]}
    assert sum(v for v in values.values() if v) == 8
    assert all(f["properties"]["url"].startswith("/cases/?") for f in data["grids"]["features"])
    assert len(data["points"]) == 9  # H (merged) is a case too; I is in another village


def test_page_query_count_does_not_grow_with_cases(handmade, users, login, client, django_assert_max_num_queries):
    login(users["district_officer"])
    client.get(f"/dashboard/?{PERIOD}")
    # session, user, profile, grants, the user's top regions; refresh (cases only): savepoint,
    # state (FOR UPDATE SKIP LOCKED), new case events, release; rollups: own weeks, own months,
    # own dimensions summed over the months, children and grids; overdue now; inspections: rollup, facts (+ department names
    # when there are some); names: categories, regions, departments; region choices; map overlays.
    # None of them depends on the number of cases.
    with django_assert_max_num_queries(21):
        client.get(f"/dashboard/?{PERIOD}")


def test_inspections_counted_once_with_pass_rate_by_department(handmade, users, tree, departments, categories):
    """Submitted inspections: places inspected and pass rate per department, each counted once."""
    import datetime as dt

    from django.utils import timezone

    from dashboard import rollup, selectors
    from inspections.models import Answer, ChecklistItem, ChecklistVersion, Inspection, Place, Scene

    version = ChecklistVersion.objects.create(label="t1", title="t")
    scene = Scene.objects.create(version=version, code="shop", name="商铺")
    items = [
        ChecklistItem.objects.create(version=version, code=f"X-{i}", department=departments["CGZF"], category=categories["0101"], title=f"检查{i}")
        for i in range(3)
    ]
    grid = tree["440604011001001"]
    place = Place.objects.create(name="某商铺", grid=grid, region_path=grid.path)
    at = timezone.make_aware(dt.datetime(2026, 10, 15, 10, 0))
    for results in (["pass", "pass", "fail"], ["pass", "na", "pass"]):
        insp = Inspection.objects.create(place=place, scene=scene, version=version, inspector=users["grid_worker"], grid=grid,
                                         region_path=grid.path, status="submitted", started_at=at, submitted_at=at)
        for item, result in zip(items, results):
            Answer.objects.create(inspection=insp, item=item, result=result, department=departments["CGZF"], region_path=grid.path, submitted_at=at)
    rollup.rebuild()
    rollup.refresh()
    rollup.refresh()  # looked at again, counted once
    for start, end in (("2026-10-01", "2026-10-31"), ("2026-10-10", "2026-10-20")):
        period = selectors.Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        got = selectors.inspections_summary(user=users["village_staff"], region=tree["v1"], period=period)
        assert (got["inspections"], got["places"]) == (2, 1)
        assert [(d["code"], d["passed"], d["failed"]) for d in got["departments"]] == [("CGZF", 4, 1)]
    other = selectors.inspections_summary(user=users["district_officer"], region=tree["s2"], period=period)
    assert other["inspections"] == 0 and other["departments"] == []
    # One submitted just now is picked up by the next refresh, once.
    now = timezone.now()
    insp = Inspection.objects.create(place=place, scene=scene, version=version, inspector=users["grid_worker"], grid=grid,
                                     region_path=grid.path, status="submitted", started_at=now, submitted_at=now)
    Answer.objects.create(inspection=insp, item=items[0], result="fail", department=departments["CGZF"], region_path=grid.path, submitted_at=now)
    rollup.refresh()
    rollup.refresh()
    today = timezone.localdate()
    got = selectors.inspections_summary(user=users["village_staff"], region=tree["v1"], period=selectors.Period(today.replace(day=1), today))
    assert got["inspections"] == 1 and [(d["passed"], d["failed"]) for d in got["departments"]] == [(0, 1)]
