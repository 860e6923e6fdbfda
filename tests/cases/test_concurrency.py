"""Concurrency on PostgreSQL: same-UUID submissions and two people acting on one case at once.

Each thread uses its own database connection (Django opens one per thread), so the
row lock and the unique constraint are exercised for real. SQLite serialises
writers and ignores SELECT … FOR UPDATE, so these run on PostgreSQL only (CI).
"""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases.models import Case, CaseEvent
from cases.services import CaseActionError, CaseConflict, case_report, case_transition
from grids.models import StaffProfile
from grids.services import staff_create

from tests.concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent writers need PostgreSQL"),
]


def test_20_concurrent_submissions_with_one_uuid_create_one_case(users, categories):
    form = {
        "client_uuid": str(uuid.uuid4()), "category": str(categories["0504"].pk), "description": "水果店占道经营",
        "latitude": "22.95", "longitude": "113.11", "address": "丽豪路22号", "urgency": "",
    }
    clients = []
    for _ in range(20):
        client = Client()
        client.force_login(users["grid_worker"], backend="django.contrib.auth.backends.ModelBackend")
        clients.append(client)

    responses = run_together(20, lambda i: clients[i].post(reverse("cases:report"), form))

    assert all(not isinstance(r, Exception) for r in responses), responses
    case = Case.objects.get()
    assert case.client_uuid == uuid.UUID(form["client_uuid"])
    assert {r.status_code for r in responses} == {302}
    assert {r.url for r in responses} == {reverse("cases:detail", args=[case.number])}  # all callers get it back
    assert CaseEvent.objects.filter(case=case, action="report").count() == 1


def test_20_concurrent_service_calls_return_the_same_case(users, report_kwargs):
    kwargs = report_kwargs()
    results = run_together(20, lambda i: case_report(reporter=users["grid_worker"], **kwargs))
    assert all(isinstance(r, tuple) for r in results), results
    assert len({case.pk for case, _created in results}) == 1
    assert sum(created for _case, created in results) == 1
    assert Case.objects.count() == 1


@pytest.fixture
def dispatched(users, report_kwargs, departments):
    case, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    return case_transition(case=case, action="dispatch", actor=users["street_officer"], updates={"department": departments["CGZF-s1"]})


def test_two_department_staff_accept_at_once_one_wins_one_is_told(dispatched, departments, tree):
    pw = "pw-for-tests-1"
    R = StaffProfile.Role
    staff = [
        staff_create(username=f"cgzf{i}", password=pw, full_name=f"队员{i}", role=R.DEPARTMENT_STAFF, regions=[tree["s1"]], department=departments["CGZF-s1"])
        for i in range(2)
    ]
    version = dispatched.version
    results = run_together(2, lambda i: case_transition(case=dispatched, action="accept", actor=staff[i], expected_version=version))

    wins = [r for r in results if isinstance(r, Case)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1
    assert isinstance(losses[0], CaseConflict)
    assert f"在您办理期间，事件 {dispatched.number} 已被他人修改（现为“已签收”）。请刷新后重试。" == losses[0].message
    case = Case.objects.get(pk=dispatched.pk)
    assert case.status == Case.Status.ACCEPTED and case.version == version + 1
    assert case.events.filter(action="accept").count() == 1


def test_accept_and_return_at_once_exactly_one_applies(dispatched, dept_users, users):
    """Without a version (e.g. an API call) the row lock still lets only one through."""
    work = [
        lambda: case_transition(case=dispatched, action="accept", actor=dept_users["cgzf"]),
        lambda: case_transition(case=dispatched, action="return", actor=dept_users["cgzf"], note="不属于本部门"),
    ]
    results = run_together(2, lambda i: work[i]())
    wins = [r for r in results if isinstance(r, Case)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1 and isinstance(losses[0], CaseActionError)
    assert losses[0].code == "illegal_transition" and "该事件当前为" in losses[0].message
    case = Case.objects.get(pk=dispatched.pk)
    assert case.status == wins[0].status and case.events.filter(action__in=["accept", "return"]).count() == 1


def test_two_officers_dispatch_at_once(users, report_kwargs, departments):
    case, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    officers = [users["street_officer"], users["district_officer"]]
    targets = [departments["CGZF-s1"], departments["SJJ-s1"]]
    version = case.version
    results = run_together(2, lambda i: case_transition(
        case=case, action="dispatch", actor=officers[i], expected_version=version, updates={"department": targets[i]},
    ))
    wins = [r for r in results if isinstance(r, Case)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1 and isinstance(losses[0], CaseConflict)
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.department_id == wins[0].department_id and fresh.events.filter(action="dispatch").count() == 1
