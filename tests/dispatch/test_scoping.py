"""Department users see only their unit's cases inside their jurisdiction: anything else is 404."""

import pytest
from django.urls import reverse

from dispatch import selectors, services

from .conftest import S2_POINT

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(report, users, departments):
    """One case for each of: 石湾 城管 unit, 石湾 市场监管 unit, 祖庙 城管 unit."""
    so, do = users["street_officer"], users["district_officer"]
    mine = services.case_dispatch(case=report("0101"), department=departments["CGZF-440604011"], by=so)
    other_department = services.case_dispatch(case=report("0901"), department=departments["SJJ-440604011"], by=so)
    other_street = services.case_dispatch(case=report("0101", point=S2_POINT, reporter=do), department=departments["CGZF-440604010"], by=do)
    return {"mine": mine, "other_department": other_department, "other_street": other_street}


PAGES = ["dispatch:case", "dispatch:case_accept", "dispatch:case_return", "dispatch:case_handle", "dispatch:notice_new"]


@pytest.mark.parametrize("page", PAGES)
def test_department_user_cannot_see_another_departments_case(spread, dept_users, login, page):
    client = login(dept_users["cgzf_s1"])
    assert client.get(reverse(page, args=[spread["other_department"].number])).status_code == 404
    assert client.get(reverse("dispatch:case", args=[spread["mine"].number])).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_department_user_cannot_see_another_streets_case(spread, dept_users, login, page):
    # Even the district bureau's own staff, when their jurisdiction is one street.
    client = login(dept_users["cgzf_top_s1"])
    assert client.get(reverse(page, args=[spread["other_street"].number])).status_code == 404
    assert client.get(reverse("dispatch:case", args=[spread["mine"].number])).status_code == 200


def test_posting_to_an_out_of_scope_case_is_404_and_changes_nothing(spread, dept_users, login):
    case = spread["other_department"]
    response = login(dept_users["cgzf_s1"]).post(reverse("dispatch:case_accept", args=[case.number]), {"expected_version": case.version})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == "dispatched"


def test_department_queue_lists_only_my_units_cases(spread, dept_users):
    numbers = lambda user: {c.number for c in selectors.department_queue(user=user, tab="to_accept").rows}  # noqa: E731
    assert numbers(dept_users["cgzf_s1"]) == {spread["mine"].number}
    assert numbers(dept_users["sjj_s1"]) == {spread["other_department"].number}
    assert numbers(dept_users["cgzf_s2"]) == {spread["other_street"].number}
    # The district bureau's user sees its units' cases, but only inside their jurisdiction.
    assert numbers(dept_users["cgzf_top_s1"]) == {spread["mine"].number}


def test_department_workbench_page(spread, dept_users, login):
    body = login(dept_users["cgzf_s1"]).get(reverse("dispatch:department")).content.decode()
    assert spread["mine"].number in body
    assert spread["other_department"].number not in body and spread["other_street"].number not in body
    assert "待签收" in body


def test_department_staff_cannot_use_the_dispatcher_pages(spread, dept_users, login):
    client = login(dept_users["cgzf_s1"])
    assert client.get(reverse("dispatch:workbench")).status_code == 403
    assert client.get(reverse("dispatch:case_dispatch", args=[spread["mine"].number])).status_code == 403


def test_street_officer_queue_excludes_other_streets(spread, users):
    page = selectors.dispatcher_queue(user=users["street_officer"], filters=selectors.QueueFilters())
    numbers = {c.number for c in page.rows}
    assert spread["mine"].number in numbers and spread["other_street"].number not in numbers
