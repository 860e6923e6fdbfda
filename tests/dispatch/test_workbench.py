"""The dispatcher workbench: scoped queue at my tier, filters, keyset pages, constant query count, htmx counters."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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
    # department filter and bulk dispatch, 8 the page of cases (keyset, with category/grid/department
    # joined), 9 cases without a deadline (first page only).
    with django_assert_num_queries(9):
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
    assert numbers == [c.number for c in Case.objects.order_by("handle_deadline", "id")]
    assert not third.has_next
    # Same queries as the first page minus the "no deadline" one.
    with django_assert_num_queries(8):
        response = client.get(reverse("dispatch:workbench") + "?after=" + second.next_cursor)
    assert response.status_code == 200


def test_queue_is_my_tier_by_default_and_lower_tiers_on_request(users, categories, departments, tree):
    make_cases(3, categories=categories, departments=departments, tree=tree, tier=Tier.STREET)
    make_cases(2, categories=categories, departments=departments, tree=tree, tier=Tier.VILLAGE, start=100)
    make_cases(1, categories=categories, departments=departments, tree=tree, tier=Tier.DISTRICT, start=200)
    so = users["street_officer"]
    assert len(selectors.dispatcher_queue(user=so, filters=selectors.QueueFilters()).rows) == 3
    assert len(selectors.dispatcher_queue(user=so, filters=selectors.QueueFilters(tier=Tier.VILLAGE)).rows) == 2
    district = selectors.dispatcher_queue(user=users["district_officer"], filters=selectors.QueueFilters()).rows
    assert [c.tier for c in district] == [Tier.DISTRICT]


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
