"""Graded supervision: the grid worker's due list by colour, overrides that expire, coverage,
and the event-driven rescoring after a real inspection submit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import AuditLog
from credit import selectors, services
from credit.models import ColourOverride, CreditScore, Enterprise
from inspections import selectors as inspection_selectors
from inspections import services as inspection_services

from .conftest import add_answers

pytestmark = pytest.mark.django_db


def _set_colour(e, colour):
    CreditScore.objects.update_or_create(
        enterprise=e, defaults=dict(score=50, credit_class={"green": "A", "yellow": "B", "red": "C"}[colour], colour=colour,
                                    factors=[], fingerprint="x", computed_at=timezone.now()),
    )


def test_due_list_of_a_grid_worker_by_days_overdue_then_colour(make_enterprise, make_place, items, worker, tree, users):
    now = timezone.now()
    ago = lambda days: now - dt.timedelta(days=days, hours=1)  # noqa: E731
    red_recent = make_enterprise(name="红-3天前")  # red every 7 days: inspected 3 days ago → not due
    red_10 = make_enterprise(name="红-10天前")  # 10 - 7 = 3 days overdue
    red_37 = make_enterprise(name="红-37天前")  # 30 days overdue
    yellow_60 = make_enterprise(name="黄-60天前")  # 60 - 30 = 30 days overdue (same as red_37: red first)
    green_60 = make_enterprise(name="绿-60天前")  # green every 90 days → not due
    green_100 = make_enterprise(name="绿-100天前")  # 10 days overdue
    never = make_place(name="从未巡查的空地")  # not an enterprise, never inspected → first
    plain_40 = make_place(name="普通场所-40天前")  # not an enterprise: 30 days → 10 days overdue
    elsewhere = make_enterprise(name="别的网格", region=tree["440604010001001"], with_place=False)
    for e, colour, days in [(red_recent, "red", 3), (red_10, "red", 10), (red_37, "red", 37), (yellow_60, "yellow", 60),
                            (green_60, "green", 60), (green_100, "green", 100)]:
        _set_colour(e, colour)
        add_answers(place=e.place, items=items, worker=worker, results={"CGZF-015": "pass"}, when=ago(days))
    add_answers(place=plain_40, items=items, worker=worker, results={"CGZF-015": "pass"}, when=ago(40))

    due = inspection_selectors.places_due(user=worker)
    assert [p.name for p in due] == ["从未巡查的空地", "红-37天前", "黄-60天前", "绿-100天前", "普通场所-40天前", "红-10天前"]
    assert [p.days_overdue for p in due] == [None, 30, 30, 10, 10, 3]
    assert [p.credit_colour for p in due] == [None, "red", "yellow", "green", None, "red"]
    assert elsewhere.name not in {p.name for p in due}
    _ = never


def test_an_override_changes_the_interval_and_expires(make_enterprise, items, worker, users):
    e = make_enterprise(name="覆盖企业")
    _set_colour(e, "green")
    add_answers(place=e.place, items=items, worker=worker, results={"CGZF-015": "pass"}, when=timezone.now() - dt.timedelta(days=20))
    assert inspection_selectors.places_due(user=worker) == []
    override = services.override_create(enterprise=e, colour="red", reason="群众多次投诉油烟", by=users["district_officer"],
                                        expires_at=timezone.now() + dt.timedelta(days=5))
    due = inspection_selectors.places_due(user=worker)
    assert [(p.name, p.credit_colour, p.days_overdue) for p in due] == [("覆盖企业", "red", 13)]
    # Six days later the override has expired: green again, not due.
    later = timezone.now() + dt.timedelta(days=6)
    assert selectors.with_credit(Enterprise.objects.filter(pk=e.pk), now=later).get().effective_colour == "green"
    assert selectors.with_credit(Enterprise.objects.filter(pk=e.pk)).get().effective_colour == "red"
    ColourOverride.objects.filter(pk=override.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1),
                                                         starts_at=timezone.now() - dt.timedelta(days=1))
    assert inspection_selectors.places_due(user=worker) == []
    assert AuditLog.objects.filter(action="override", object_ids=[str(e.pk)], user=users["district_officer"]).exists()


def test_an_override_without_a_reason_is_refused(make_enterprise, users):
    e = make_enterprise()
    with pytest.raises(ValidationError) as exc:
        services.override_create(enterprise=e, colour="red", reason="   ", by=users["district_officer"],
                                 expires_at=timezone.now() + dt.timedelta(days=5))
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.override_create(enterprise=e, colour="red", reason="x", by=users["district_officer"], expires_at=timezone.now() - dt.timedelta(days=1))
    assert "expires_at" in exc.value.message_dict
    # Only the district centre may override.
    with pytest.raises(PermissionDenied):
        services.override_create(enterprise=e, colour="red", reason="x", by=users["street_officer"], expires_at=timezone.now() + dt.timedelta(days=5))
    # The database refuses an empty reason too.
    with pytest.raises(IntegrityError), transaction.atomic():
        ColourOverride.objects.create(enterprise=e, colour="red", reason="", starts_at=timezone.now(),
                                      expires_at=timezone.now() + dt.timedelta(days=1), created_by=users["district_officer"])
    assert not ColourOverride.objects.filter(enterprise=e).exists()


def test_coverage_by_street_and_grid(make_enterprise, items, worker, tree, users):
    inspected, late, never = make_enterprise(), make_enterprise(), make_enterprise()
    other_street = make_enterprise(region=tree["440604010001001"], with_place=False)
    for e in (inspected, late, never, other_street):
        _set_colour(e, "yellow")
    add_answers(place=inspected.place, items=items, worker=worker, results={"CGZF-015": "pass"}, when=timezone.now() - dt.timedelta(days=5))
    add_answers(place=late.place, items=items, worker=worker, results={"CGZF-015": "pass"}, when=timezone.now() - dt.timedelta(days=45))
    rows = selectors.coverage(user=users["district_officer"], level=2)
    by_code = {r.region.code: (r.total, r.covered, r.share) for r in rows}
    assert by_code == {"440604011": (3, 1, 33.3), "440604010": (1, 0, 0.0)}
    rows = selectors.coverage(user=users["street_officer"], level=4)
    assert [(r.region.code, r.total, r.covered) for r in rows] == [("440604011001001", 3, 1)]


def test_submitting_an_inspection_rescores_the_enterprise(make_enterprise, published, worker, django_capture_on_commit_callbacks):
    from tests.inspections.conftest import answer_all

    e = make_enterprise(name="丽豪水果店")
    services.rescore_enterprises(ids=[e.pk])
    assert CreditScore.objects.get(enterprise=e).colour == "green"
    inspection = inspection_services.inspection_start(inspector=worker, place=e.place)
    answer_all(inspection, worker, fail=("XF-001",))
    with django_capture_on_commit_callbacks(execute=True):
        inspection_services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.11)
    score = CreditScore.objects.get(enterprise=e)
    assert (score.colour, score.veto) == ("red", True)
    # One entry for the first rating, one for the change the inspection made.
    assert list(e.credit_history.values_list("colour", flat=True)) == ["red", "green"]
