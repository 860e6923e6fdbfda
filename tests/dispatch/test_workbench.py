"""The dispatcher workbench: everything I may act on in my jurisdiction (every tier I may act on), most
urgent first, filters kept across actions, keyset pages, constant query count, htmx counters."""

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.models import Case, Tier
from dispatch import selectors

pytestmark = pytest.mark.django_db
S = Case.Status


def make_cases(n, *, categories, departments, tree, status=S.REGISTERED, tier=Tier.STREET, start=0, grid="440604011001001", overdue=0):
    """n open cases in one grid, deadlines an hour apart (bulk: the list is what is under test)."""
    grid = tree[grid]
    now = timezone.now()
    rows = [
        Case(
            number=f"T{grid.code}-{start + i:05d}", category=categories["0101"], description="测试", latitude=22.95, longitude=113.11,
            grid=grid, region_path=grid.path, status=status, tier=tier, department=departments["CGZF-440604011"],
            accept_deadline=now + dt.timedelta(hours=(-1 if i < overdue else 1) * (i + 1)),
            handle_deadline=now + dt.timedelta(hours=i + 1),
        )
        for i in range(n)
    ]
    return Case.objects.bulk_create(rows)


@pytest.mark.parametrize("n", [10, 200])
def test_workbench_list_issues_a_constant_number_of_queries(n, users, categories, departments, tree, login, django_assert_num_queries):
    make_cases(n, categories=categories, departments=departments, tree=tree)
    client = login(users["street_officer"])
    # 1 session, 2 user, 3 profile (role), 4 the officer's dispatch jurisdiction (guardian grants → paths),
    # 5 regions for the area filter, 6 categories for the category filter, 7 departments for the
    # department filter and bulk dispatch, 8 the page of cases (keyset on the running deadline, with
    # category/grid/department joined; cases without a deadline are in the same ordered list).
    with django_assert_num_queries(8):
        response = client.get(reverse("dispatch:workbench"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('name="cases"') == min(n, selectors.PAGE_SIZE)
    assert "调度工作台" in body


def test_deep_page_costs_the_same_as_the_first(users, categories, departments, tree, login, django_assert_num_queries):
    make_cases(120, categories=categories, departments=departments, tree=tree)
    client = login(users["street_officer"])
    first = selectors.dispatcher_queue(user=users["street_officer"], filters=selectors.QueueFilters())
    second = selectors.dispatcher_queue(user=users["street_officer"], filters=selectors.QueueFilters(), cursor=first.next_cursor)
    third = selectors.dispatcher_queue(user=users["street_officer"], filters=selectors.QueueFilters(), cursor=second.next_cursor)
    numbers = [c.number for c in first.rows + second.rows + third.rows]
    assert len(numbers) == 120 == len(set(numbers))
    # Registered cases: the acceptance deadline runs (make_cases: one hour apart, the first soonest).
    assert numbers == [c.number for c in Case.objects.order_by("accept_deadline", "-id")]
    assert not third.has_next
    # The same queries as the first page.
    with django_assert_num_queries(8):
        response = client.get(reverse("dispatch:workbench") + "?after=" + second.next_cursor)
    assert response.status_code == 200


def test_queue_shows_every_tier_i_may_act_on_by_default_and_one_tier_on_request(users, categories, departments, tree, login):
    make_cases(3, categories=categories, departments=departments, tree=tree, tier=Tier.STREET)
    make_cases(2, categories=categories, departments=departments, tree=tree, tier=Tier.VILLAGE, start=100)
    make_cases(1, categories=categories, departments=departments, tree=tree, tier=Tier.GRID, start=150)
    make_cases(1, categories=categories, departments=departments, tree=tree, tier=Tier.DISTRICT, start=200)
    so = users["street_officer"]
    # A street officer acts on street, village and grid tier cases of the street; not on the district's.
    rows = selectors.dispatcher_queue(user=so, filters=selectors.QueueFilters()).rows
    assert sorted(c.tier for c in rows) == [Tier.STREET] * 3 + [Tier.VILLAGE] * 2 + [Tier.GRID]
    assert len(selectors.dispatcher_queue(user=so, filters=selectors.QueueFilters(tier=Tier.VILLAGE)).rows) == 2
    assert len(selectors.dispatcher_queue(user=so, filters=selectors.QueueFilters(tier=Tier.STREET)).rows) == 3
    district = selectors.dispatcher_queue(user=users["district_officer"], filters=selectors.QueueFilters()).rows
    assert len(district) == 7
    # The landing page (no filter) lists the village-tier cases, and the counters count them.
    client = login(so)
    body = client.get(reverse("dispatch:workbench")).content.decode()
    assert body.count('data-case="') == 6 and "T440604011001001-00100" in body
    assert 'data-count="to_dispatch">6<' in client.get(reverse("dispatch:counters")).content.decode()


def test_filters(users, categories, departments, tree, login):
    make_cases(4, categories=categories, departments=departments, tree=tree, overdue=2)
    make_cases(3, categories=categories, departments=departments, tree=tree, grid="440604011002001", start=50, status=S.RETURNED)
    client = login(users["street_officer"])

    def listed(**params):
        body = client.get(reverse("dispatch:workbench"), params).content.decode()
        return body.count('data-case="')

    assert listed() == 7
    assert listed(overdue="on") == 2
    assert listed(status="returned") == 3
    assert listed(region="440604011002") == 3  # 东风社区
    assert listed(category="01") == 7 and listed(category="0901") == 0
    assert listed(department="CGZF") == 7 and listed(department="SJJ") == 0
    assert listed(source="hotline") == 0
    # A bad filter value is reported on the form, not a crash, and the rest still applies.
    response = client.get(reverse("dispatch:workbench"), {"region": "999", "status": "returned"})
    body = response.content.decode()
    assert response.status_code == 200 and "选择一个有效的选项" in body
    assert body.count('data-case="') == 3


def test_counters_fragment_counts_my_queue_in_one_query(users, categories, departments, tree, login, django_assert_num_queries):
    make_cases(4, categories=categories, departments=departments, tree=tree, overdue=1)
    make_cases(2, categories=categories, departments=departments, tree=tree, status=S.DISPATCHED, start=10)
    make_cases(1, categories=categories, departments=departments, tree=tree, status=S.VERIFIED, start=20)
    client = login(users["street_officer"])
    # session, user, profile, jurisdiction, one aggregate for every counter
    with django_assert_num_queries(5):
        response = client.get(reverse("dispatch:counters"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-count="to_dispatch">4<' in body and 'data-count="awaiting_accept">2<' in body
    assert 'data-count="to_close">1<' in body and 'data-count="overdue">1<' in body
    assert "<html" not in body  # a fragment for htmx, not a page
    page = client.get(reverse("dispatch:workbench")).content.decode()
    assert 'hx-get="/dispatch/counters/"' in page and "every 30s" in page


def test_village_staff_route_their_villages_small_cases(users, categories, departments, tree):
    make_cases(2, categories=categories, departments=departments, tree=tree, tier=Tier.VILLAGE)
    make_cases(1, categories=categories, departments=departments, tree=tree, tier=Tier.GRID, start=10)
    make_cases(1, categories=categories, departments=departments, tree=tree, tier=Tier.VILLAGE, grid="440604011002001", start=20)
    rows = selectors.dispatcher_queue(user=users["village_staff"], filters=selectors.QueueFilters()).rows
    assert len(rows) == 3  # village + grid tiers, only in 丽豪社区


def test_grid_worker_has_no_workbench(users, login):
    assert login(users["grid_worker"]).get(reverse("dispatch:workbench")).status_code == 403


def test_most_urgent_first_then_newest_across_pages(users, categories, departments, tree):
    """Overdue first, then the nearest running deadline (acceptance before 签收, handling after;
    an unrouted case counts from its report), the newest first among equals and among cases
    without a running deadline (handled, verified); the keyset pages keep that order."""
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    soon = now + hour

    def one(number, status, accept=None, handle=None):
        make = make_cases(1, categories=categories, departments=departments, tree=tree, status=status, start=number)[0]
        Case.objects.filter(pk=make.pk).update(accept_deadline=accept, handle_deadline=handle)
        return make.number

    verified_old = one(1, S.VERIFIED, handle=now - 5 * hour)
    late_handling = one(2, S.ACCEPTED, accept=now - 9 * hour, handle=now - 2 * hour)
    late_accept = one(3, S.REGISTERED, accept=now - hour, handle=now + 30 * hour)
    due_soon_old = one(4, S.REGISTERED, accept=soon, handle=now + 20 * hour)
    unrouted = one(5, S.REGISTERED)  # no deadline: waits for a dispatcher since its report (now)
    due_soon_new = one(6, S.DISPATCHED, accept=soon, handle=now + 2 * hour)
    handled_new = one(7, S.HANDLED, handle=now - 3 * hour)
    expected = [late_handling, late_accept, unrouted, due_soon_new, due_soon_old, handled_new, verified_old]
    so = users["street_officer"]
    first = selectors.dispatcher_queue(user=so, filters=selectors.QueueFilters())
    assert [c.number for c in first.rows] == expected
    assert [c.is_overdue for c in first.rows] == [True, True, False, False, False, False, False]
    pages, cursor = [], ""
    while True:
        page = selectors.dispatcher_queue(user=so, filters=selectors.QueueFilters(), cursor=cursor, size=2)
        pages += [c.number for c in page.rows]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert pages == expected
    # A damaged cursor starts from the top instead of failing.
    assert [c.number for c in selectors.dispatcher_queue(user=so, filters=selectors.QueueFilters(), cursor="x|y").rows] == expected


def test_every_counter_card_links_to_the_list_it_counts(users, categories, departments, tree, login):
    make_cases(3, categories=categories, departments=departments, tree=tree, overdue=1)
    make_cases(2, categories=categories, departments=departments, tree=tree, status=S.RETURNED, start=10)
    make_cases(2, categories=categories, departments=departments, tree=tree, status=S.DISPATCHED, start=20, overdue=1)
    make_cases(1, categories=categories, departments=departments, tree=tree, status=S.ACCEPTED, start=30)
    make_cases(1, categories=categories, departments=departments, tree=tree, status=S.VERIFIED, start=40)
    make_cases(1, categories=categories, departments=departments, tree=tree, status=S.HANDLED, start=50)
    make_cases(2, categories=categories, departments=departments, tree=tree, tier=Tier.VILLAGE, start=60)
    client = login(users["street_officer"])
    for tier in ("", "3"):
        fragment = client.get(reverse("dispatch:counters"), {"tier": tier} if tier else {}).content.decode()
        cards = re.findall(r'<a class="tile[^"]*" href="\?([^"]+)">.*?data-count="(\w+)">(\d+)<', fragment, re.S)
        assert [name for _href, name, _n in cards] == ["to_dispatch", "awaiting_accept", "in_progress", "to_close", "overdue"]
        for href, name, count in cards:
            listed = client.get(reverse("dispatch:workbench") + "?" + href.replace("&amp;", "&")).content.decode()
            assert listed.count('data-case="') == int(count), (tier, name, href)
        if tier == "":
            assert [int(n) for _h, _name, n in cards] == [7, 2, 1, 1, 2]


def test_filters_are_kept_across_actions(report, users, login):
    case = report("0102")  # village tier, in the street officer's street
    client = login(users["street_officer"])
    here = reverse("dispatch:workbench") + "?tier=3&status=to_dispatch"
    body = client.get(here).content.decode()
    link = re.search(r'<tr[^>]*data-case="%s".*?<a class="btn" href="([^"]+)">派遣</a>' % case.number, body, re.S).group(1)
    dispatch_url = unescape(link)
    assert dispatch_url.startswith(reverse("dispatch:case_dispatch", args=[case.number]) + "?")
    assert parse_qs(urlsplit(dispatch_url).query)["next"] == [here]
    page = client.get(dispatch_url).content.decode()
    assert f'name="next" value="{escape(here)}"' in page
    response = client.post(dispatch_url, {
        "department": case.department_id, "expected_version": case.version, "note": "", "next": here,
    })
    assert response.status_code == 302 and response.url == here
    # The case page carries it too (tap the case → its actions come back to the same list).
    detail = client.get(reverse("cases:detail", args=[case.number]) + "?" + urlencode({"next": here})).content.decode()
    assert f'href="{escape(here)}"' in detail  # back to the list
    assert f'href="{escape(selectors.with_next(reverse("dispatch:case_dispatch", args=[case.number]), here))}"' in detail


@pytest.mark.parametrize("evil", ["https://evil.example/dispatch/workbench/", "//evil.example/", "javascript:alert(1)"])
def test_next_goes_only_to_this_site(evil, report, users, login):
    case = report("0102")
    client = login(users["street_officer"])
    url = reverse("dispatch:case_dispatch", args=[case.number])
    response = client.post(url, {"department": case.department_id, "expected_version": case.version, "next": evil})
    assert response.status_code == 302 and response.url == reverse("dispatch:workbench")
    assert evil not in client.get(reverse("cases:detail", args=[case.number]), {"next": evil}).content.decode()
