"""The periodic deadline scan: warn at 80 %, escalate one tier at 100 %, idempotent."""

import datetime as dt

import pytest
from django.db import connection

from cases.models import Case, CaseEvent, Tier
from core.models import Notification
from dispatch import services, tasks
from dispatch.routing import work_schedule

pytestmark = pytest.mark.django_db
S = Case.Status


def snapshot(case):
    case = Case.objects.get(pk=case.pk)
    return (case.tier, case.escalation_count, case.accept_deadline, case.handle_deadline, case.deadline_warned_at, case.version,
            CaseEvent.objects.filter(case=case).count(), Notification.objects.filter(about=f"case:{case.number}").count())


def test_escalation_run_twice_escalates_once(report, users):
    case = report("0102")  # village tier, 1 working hour to be dispatched and accepted
    assert case.tier == Tier.VILLAGE
    late = case.accept_deadline + dt.timedelta(minutes=1)
    first = services.deadlines_scan(now=late)
    assert first.escalated == [case.number]
    after_first = snapshot(case)
    case.refresh_from_db()
    assert case.tier == Tier.STREET and case.escalation_count == 1
    # Fresh deadlines from the escalation, in working time.
    assert case.accept_deadline == work_schedule().add(late, 1, "working_hours")
    event = case.events.get(action="escalate")
    assert event.actor is None and event.data["automatic"] is True and event.data == {**event.data, "from_tier": 3, "to_tier": 2}
    assert Notification.objects.filter(recipient=users["street_officer"], kind="escalated", about=f"case:{case.number}").count() == 1
    # The second run (e.g. a redelivered task, or beat firing twice) changes nothing more.
    second = services.deadlines_scan(now=late)
    assert second.escalated == [] and second.warned == [] and second.overdue == []
    assert snapshot(case) == after_first


def test_escalates_again_when_the_new_deadline_passes_then_reports_overdue_once_at_the_top(report, users):
    case = report("0102")
    services.deadlines_scan(now=case.accept_deadline + dt.timedelta(minutes=1))  # village → street
    case.refresh_from_db()
    services.deadlines_scan(now=case.accept_deadline + dt.timedelta(minutes=1))  # street → district
    case.refresh_from_db()
    assert case.tier == Tier.DISTRICT and case.escalation_count == 2
    top_late = case.accept_deadline + dt.timedelta(minutes=1)
    assert services.deadlines_scan(now=top_late).overdue == [case.number]
    again = services.deadlines_scan(now=top_late + dt.timedelta(hours=3))
    assert again.overdue == [] and again.escalated == []
    case.refresh_from_db()
    assert case.tier == Tier.DISTRICT and case.escalation_count == 2
    assert case.events.filter(action="overdue").count() == 1
    assert Notification.objects.filter(recipient=users["district_officer"], kind="overdue", about=f"case:{case.number}").count() == 1


def test_warning_at_80_percent_is_sent_once(report, users, departments, dept_users):
    case = report("0101")
    case = services.case_dispatch(case=case, department=departments["CGZF-440604011"], by=users["street_officer"])
    schedule = work_schedule()
    # 2 working hours to accept: 80 % is 24 working minutes before the deadline.
    early = case.accept_deadline - dt.timedelta(minutes=30)
    if schedule.working_seconds_between(early, case.accept_deadline) > 24 * 60:
        assert services.deadlines_scan(now=early).warned == []
    soon = case.accept_deadline - dt.timedelta(minutes=5)
    assert services.deadlines_scan(now=soon).warned == [case.number]
    assert services.deadlines_scan(now=soon + dt.timedelta(minutes=1)).warned == []
    case.refresh_from_db()
    assert case.deadline_warned_at == soon and case.tier == Tier.STREET
    assert case.events.filter(action="deadline_warning").count() == 1
    # The department that must accept is told, once each.
    assert Notification.objects.filter(kind="deadline_warning", about=f"case:{case.number}", recipient=dept_users["cgzf_s1"]).count() == 1


def test_accepting_starts_the_handling_clock_and_its_own_warning(report, users, departments, dept_users):
    case = report("0101")
    case = services.case_dispatch(case=case, department=departments["CGZF-440604011"], by=users["street_officer"])
    services.deadlines_scan(now=case.accept_deadline - dt.timedelta(minutes=5))
    case = services.case_accept(case=Case.objects.get(pk=case.pk), by=dept_users["cgzf_s1"])
    assert case.deadline_warned_at is None
    # Passing the acceptance deadline no longer matters once accepted.
    assert services.deadlines_scan(now=case.accept_deadline + dt.timedelta(minutes=1)).escalated == []
    assert services.deadlines_scan(now=case.handle_deadline - dt.timedelta(minutes=5)).warned == [case.number]
    assert services.deadlines_scan(now=case.handle_deadline + dt.timedelta(minutes=1)).escalated == [case.number]


def test_closed_and_handled_cases_are_left_alone(report, users, departments, dept_users):
    from .conftest import photos

    case = report("0101")
    case = services.case_dispatch(case=case, department=departments["CGZF-440604011"], by=users["street_officer"])
    case = services.case_accept(case=case, by=dept_users["cgzf_s1"])
    case = services.case_handle(case=case, by=dept_users["cgzf_s1"], note="已处置", evidence_items=photos())
    before = snapshot(case)
    result = services.deadlines_scan(now=case.handle_deadline + dt.timedelta(days=30))
    assert result.escalated == [] and result.overdue == [] and snapshot(case) == before


def test_the_periodic_task_runs_the_scan(report, users):
    case = report("0102")
    Case.objects.filter(pk=case.pk).update(accept_deadline=case.accept_deadline - dt.timedelta(days=3))
    outcome = tasks.scan_deadlines.apply().get()
    assert outcome["escalated"] == 1
    assert tasks.scan_deadlines.apply().get()["escalated"] == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: SQLite serialises writers anyway")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_escalate_once(report, users):
    import threading

    from django.db import close_old_connections

    case = report("0102")
    late = case.accept_deadline + dt.timedelta(minutes=1)
    barrier, results = threading.Barrier(2), []

    def run():
        close_old_connections()
        barrier.wait()
        results.append(services.deadlines_scan(now=late))
        close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r.escalated) for r in results) == [0, 1]
    case.refresh_from_db()
    assert case.escalation_count == 1 and case.events.filter(action="escalate").count() == 1


def test_a_department_that_lets_the_deadline_pass_is_told(report, users, departments, dept_users):
    case = services.case_dispatch(case=report("0102"), department=departments["CGZF-440604011"], by=users["street_officer"])
    services.deadlines_scan(now=case.accept_deadline + dt.timedelta(minutes=1))
    note = Notification.objects.get(kind="overdue", recipient=dept_users["cgzf_s1"], about=f"case:{case.number}")
    assert "已升级至镇街层级" in note.body


def test_reported_top_tier_cases_do_not_crowd_out_the_others(report, users):
    top = report("0102")
    Case.objects.filter(pk=top.pk).update(tier=Tier.DISTRICT)
    late = top.accept_deadline + dt.timedelta(minutes=1)
    assert services.deadlines_scan(now=late, limit=1).overdue == [top.number]
    fresh = report("0102")
    # With room for one case per run, the already-reported one no longer takes the slot.
    assert services.deadlines_scan(now=fresh.accept_deadline + dt.timedelta(minutes=1), limit=1).escalated == [fresh.number]
