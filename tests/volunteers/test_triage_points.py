"""Triage (初筛) of volunteer reports, the points it earns, the append-only ledger, stars,
the leaderboard and the monthly summary."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError, IntegrityError
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.services import case_transition
from volunteers import selectors, services
from volunteers.models import PointEntry, PointRule, Volunteer, VolunteerReport, star_level

pytestmark = pytest.mark.django_db
O = VolunteerReport.Outcome


@pytest.fixture
def reported(submit, volunteer):
    def make(**overrides):
        response, _form = submit(**overrides)
        assert response.status_code == 302, response.content.decode()[:2000]
        return VolunteerReport.objects.order_by("-id").first()

    return make


def test_adopting_registers_a_routed_case_and_awards_the_points(client, reported, staff, login, volunteer):
    report = reported()
    login(staff["v1"])
    response = client.post(reverse("volunteers:triage_decide", args=[report.pk]), {"outcome": "adopted", "expected_version": report.case.version})
    assert response.status_code == 302
    report.refresh_from_db()
    case = Case.objects.get(pk=report.case_id)
    assert case.status == Case.Status.REGISTERED and case.registered_at is not None and case.tier is not None
    assert report.outcome == O.ADOPTED and report.decided_by == staff["v1"]
    entry = PointEntry.objects.get()
    assert (entry.kind, entry.points, entry.balance_after, entry.report_id) == ("adopted", 2, 2, report.pk)
    volunteer.refresh_from_db()
    assert (volunteer.points_balance, volunteer.points_earned) == (2, 2)
    # Deciding again changes nothing and says why.
    again = client.post(reverse("volunteers:triage_decide", args=[report.pk]), {"outcome": "adopted"})
    assert PointEntry.objects.count() == 1 and again.status_code in (200, 400)
    # The reporter sees the outcome and the points on the status link.
    client.logout()
    page = client.get(reverse("volunteers:status", args=[report.token])).content.decode()
    assert "+2" in page


def test_handled_by_the_volunteer_is_counted_with_its_photo(reported, staff, volunteer):
    report = reported(self_handled="on")
    services.triage_decide(report=report, outcome=O.SELF_HANDLED, by=staff["v1"])
    report.refresh_from_db()
    assert report.outcome == O.SELF_HANDLED
    case = Case.objects.get(pk=report.case_id)
    assert not case.is_open and case.events.filter(action="reject", data__volunteer_outcome="self_handled").exists()
    volunteer.refresh_from_db()
    assert volunteer.points_balance == 5
    summary = selectors.monthly_summary(team=report.team, months=1)[0]
    assert (summary.reports, summary.self_handled, summary.points) == (1, 1, 5)


def test_a_duplicate_is_linked_to_the_original(reported, staff, volunteer):
    first, second = reported(), reported()
    services.triage_decide(report=first, outcome=O.ADOPTED, by=staff["v1"])
    services.triage_decide(report=second, outcome=O.DUPLICATE, by=staff["v1"], into=first.case)
    case = Case.objects.get(pk=second.case_id)
    assert case.status == Case.Status.MERGED and case.merged_into_id == first.case_id
    volunteer.refresh_from_db()
    assert volunteer.points_balance == 2  # only the adopted one earns


def test_rejecting_needs_a_reason_which_the_reporter_sees(client, reported, staff, volunteer):
    report = reported()
    with pytest.raises(services.VolunteerError):
        services.triage_decide(report=report, outcome=O.REJECTED, by=staff["v1"], note="  ")
    services.triage_decide(report=report, outcome=O.REJECTED, by=staff["v1"], note="照片看不清，无法核实")
    page = client.get(reverse("volunteers:status", args=[report.token])).content.decode()
    assert "照片看不清，无法核实" in page
    assert not PointEntry.objects.exists()


def test_staff_of_another_community_cannot_decide(reported, staff):
    report = reported()
    with pytest.raises(services.VolunteerError):
        services.triage_decide(report=report, outcome=O.ADOPTED, by=staff["v2"])
    assert Case.objects.get(pk=report.case_id).status == Case.Status.PENDING_TRIAGE


def test_a_decision_taken_on_the_cases_pages_is_picked_up_with_its_points(client, reported, staff, volunteer):
    report = reported()
    case_transition(case=report.case, action="register", actor=staff["v1"])
    page = client.get(reverse("volunteers:status", args=[report.token])).content.decode()  # syncs this report
    report.refresh_from_db()
    assert report.outcome == O.ADOPTED and "+2" in page
    assert services.reports_sync_pending() == 0  # nothing left, and nothing awarded twice
    assert PointEntry.objects.count() == 1


def test_anonymous_reports_earn_nothing(submit, staff):
    submit(phone="")
    report = VolunteerReport.objects.get()
    services.triage_decide(report=report, outcome=O.ADOPTED, by=staff["v1"])
    assert not PointEntry.objects.exists()


def test_rules_are_configurable(reported, staff, volunteer):
    PointRule.objects.update_or_create(code="adopted", defaults={"points": 7})
    services.triage_decide(report=reported(), outcome=O.ADOPTED, by=staff["v1"])
    volunteer.refresh_from_db()
    assert volunteer.points_balance == 7


def test_corrections_are_new_entries_and_never_overdraw(volunteer, staff):
    services.points_add(volunteer_id=volunteer.pk, kind="correction", points=5, note="补录")
    services.points_correct(volunteer=volunteer, points=-3, note="重复计分更正", by=staff["v1"])
    with pytest.raises(services.PointsError):
        services.points_correct(volunteer=volunteer, points=-3, note="超过余额", by=staff["v1"])
    volunteer.refresh_from_db()
    assert volunteer.points_balance == 2
    assert [e.points for e in PointEntry.objects.order_by("id")] == [5, -3]
    with pytest.raises(services.VolunteerError):
        services.points_correct(volunteer=volunteer, points=1, note="", by=staff["v1"])
    with pytest.raises(services.VolunteerError):
        services.points_correct(volunteer=volunteer, points=1, note="越权", by=staff["v2"])


def test_the_database_refuses_a_negative_balance(volunteer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Volunteer.objects.filter(pk=volunteer.pk).update(points_balance=-1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_the_ledger_cannot_be_edited_or_deleted_in_the_database(volunteer):
    entry = services.points_add(volunteer_id=volunteer.pk, kind="correction", points=5, note="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        PointEntry.objects.filter(pk=entry.pk).update(points=500)
    with pytest.raises(DatabaseError), transaction.atomic():
        PointEntry.objects.filter(pk=entry.pk).delete()
    assert PointEntry.objects.get(pk=entry.pk).points == 5


def test_monthly_activity_is_awarded_once(reported, volunteer, volunteer2):
    reported()
    month = timezone.localdate().replace(day=1)
    assert services.monthly_activity_award(month=month) == 1
    assert services.monthly_activity_award(month=month) == 0
    volunteer.refresh_from_db()
    assert volunteer.points_balance == 1
    assert services.monthly_activity_award(month=(month - dt.timedelta(days=1)).replace(day=1)) == 0


def test_star_levels_follow_cumulative_points(settings):
    settings.VOLUNTEER_STAR_THRESHOLDS = (0, 10, 30, 60, 100)
    assert [star_level(p) for p in (0, 9, 10, 29, 30, 60, 99, 100, 5000)] == [1, 1, 2, 2, 3, 4, 4, 5, 5]


def test_spending_does_not_lower_the_star_level(volunteer, team):
    services.points_add(volunteer_id=volunteer.pk, kind="correction", points=40, note="x")
    reward = services.reward_save(team=team, by=_superuser(), name="洗衣液", kind="material", cost=30, stock=5)
    services.redemption_request(volunteer=volunteer, reward=reward)
    volunteer.refresh_from_db()
    assert (volunteer.points_balance, volunteer.points_earned, volunteer.stars) == (10, 40, 3)


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", password="x")


def test_leaderboard_and_monthly_summary(reported, staff, volunteer, volunteer2):
    for _i in range(2):
        services.triage_decide(report=reported(), outcome=O.ADOPTED, by=staff["v1"])
    r = reported(phone=volunteer2.phone, self_handled="on")
    services.triage_decide(report=r, outcome=O.SELF_HANDLED, by=staff["v1"])
    leaders = selectors.leaderboard(team=volunteer.team)
    assert [(leader.volunteer.name, leader.points) for leader in leaders] == [("黄志强", 5), ("张美玲", 4)]
    month_leaders = selectors.leaderboard(team=volunteer.team, month=timezone.localdate().replace(day=1))
    assert [leader.points for leader in month_leaders] == [5, 4]
    s = selectors.monthly_summary(team=volunteer.team, months=3)
    assert (s[0].reports, s[0].adopted, s[0].self_handled, s[0].points, s[0].reporters) == (3, 2, 1, 9, 2)
    assert s[1].reports == 0
