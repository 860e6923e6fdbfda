import pytest
from django.utils import timezone

from cases.models import Case
from cases.services import CaseActionError, CaseConflict, case_report, case_transition
from cases.selectors import case_get_for_user, case_list

pytestmark = pytest.mark.django_db


def test_grid_worker_report_is_registered_with_a_number_and_timeline(users, report_kwargs):
    case, created = case_report(reporter=users["grid_worker"], **report_kwargs())
    assert created and case.status == Case.Status.REGISTERED
    assert case.grid.code == "440604011001001" and case.region_path == case.grid.path
    assert case.number.startswith(f"440604-{timezone.localdate():%Y%m%d}-")
    assert [e.action for e in case.events.all()] == ["report", "register"]


def test_same_uuid_returns_the_first_case(users, report_kwargs):
    kwargs = report_kwargs()
    first, created = case_report(reporter=users["grid_worker"], **kwargs)
    again, created_again = case_report(reporter=users["grid_worker"], **kwargs)
    assert created and not created_again and first.pk == again.pk
    assert Case.objects.count() == 1


def test_volunteer_report_waits_for_triage(users, report_kwargs):
    case, _ = case_report(reporter=None, reporter_name="热心居民", source=Case.Source.VOLUNTEER, **report_kwargs())
    assert case.status == Case.Status.PENDING_TRIAGE


def test_location_outside_the_district_is_refused(users, report_kwargs):
    with pytest.raises(CaseActionError) as exc:
        case_report(reporter=users["grid_worker"], **report_kwargs(latitude=39.9, longitude=116.4))
    assert exc.value.code == "location"
    assert Case.objects.count() == 0


def test_illegal_transition_is_refused_with_a_clear_message(users, report_kwargs):
    case, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    with pytest.raises(CaseActionError) as exc:
        case_transition(case=case, action="verify", actor=users["grid_worker"])
    assert exc.value.code == "illegal_transition"
    assert "已立案" in exc.value.message


def test_stale_version_is_a_conflict(users, report_kwargs):
    case, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    stale = case.version
    case_transition(case=case, action="cancel", actor=users["street_officer"], note="重复上报", expected_version=stale)
    with pytest.raises(CaseConflict):
        case_transition(case=case, action="dispatch", actor=users["street_officer"], expected_version=stale)


def test_scoped_lists_and_404(users, report_kwargs, tree):
    from django.http import Http404

    case, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    other, _ = case_report(reporter=users["district_officer"], **report_kwargs(latitude=23.05, longitude=113.12))
    assert set(case_list(user=users["village_staff"])) == {case}
    assert set(case_list(user=users["district_officer"])) == {case, other}
    with pytest.raises(Http404):
        case_get_for_user(user=users["village_staff"], number=other.number)
