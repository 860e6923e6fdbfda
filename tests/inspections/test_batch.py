"""cases.batch.case_report_batch: many cases in a fixed number of queries, idempotent."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.batch import CaseBatchError, case_report_batch
from cases.models import Case, CaseEvent, DailyCounter

pytestmark = pytest.mark.django_db


def _items(reference, tree, n, **extra):
    categories = reference["categories"]
    return [
        {"client_uuid": uuid.uuid4(), "category": categories["0701" if k % 2 else "0901"], "description": f"问题{k}",
         "latitude": 22.95, "longitude": 113.11, "grid": tree["440604011001001"], "place_name": "丽豪水果店", **extra}
        for k in range(n)
    ]


def test_a_batch_gets_consecutive_numbers_from_one_counter_update(reference, tree, users):
    DailyCounter.objects.create(key=f"440604-{timezone.localdate():%Y%m%d}", value=41)
    with CaptureQueriesContext(connection) as ctx:
        cases = case_report_batch(reporter=users["grid_worker"], items=_items(reference, tree, 5))
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('UPDATE "cases_dailycounter"')]
    assert len(updates) == 1
    day = f"{timezone.localdate():%Y%m%d}"
    assert [c.number for c in cases] == [f"440604-{day}-{n:05d}" for n in range(42, 47)]
    assert DailyCounter.objects.get().value == 46
    assert all(c.status == Case.Status.REGISTERED and c.source == Case.Source.INSPECTION and c.registered_at for c in cases)
    assert CaseEvent.objects.filter(action="report").count() == 5 and CaseEvent.objects.filter(action="register").count() == 5


def test_running_the_same_batch_again_returns_the_same_cases(reference, tree, users):
    items = _items(reference, tree, 3)
    first = case_report_batch(reporter=users["grid_worker"], items=items)
    again = case_report_batch(reporter=users["grid_worker"], items=items)
    assert [c.pk for c in first] == [c.pk for c in again]
    assert Case.objects.count() == 3 and DailyCounter.objects.get().value == 3


def test_self_handled_items_and_untrusted_sources(reference, tree, users):
    fixed = case_report_batch(reporter=users["grid_worker"], items=_items(reference, tree, 1, self_handled=True, self_handle_note="当场清理"))[0]
    assert fixed.status == Case.Status.SELF_HANDLED and fixed.closed_at
    assert list(fixed.events.values_list("action", flat=True)) == ["report", "register", "self_handle"]
    volunteer = case_report_batch(reporter=None, items=_items(reference, tree, 1), source=Case.Source.VOLUNTEER)[0]
    assert volunteer.status == Case.Status.PENDING_TRIAGE and volunteer.registered_at is None


def test_a_bad_item_refuses_the_whole_batch(reference, tree, users):
    items = _items(reference, tree, 3)
    items[1]["category"] = reference["categories"]["0701"].parent  # a major class
    with pytest.raises(CaseBatchError) as exc:
        case_report_batch(reporter=users["grid_worker"], items=items)
    assert exc.value.params == {"index": 1}
    assert exc.value.messages == ["第 2 个问题：请选择事件小类（不能选大类）。"]
    assert not Case.objects.exists() and not DailyCounter.objects.exists()


def test_a_backfilled_batch_is_dated_when_it_happened(reference, tree, users):
    at = timezone.now() - dt.timedelta(days=40)
    case = case_report_batch(reporter=users["grid_worker"], items=_items(reference, tree, 1), at=at)[0]
    case.refresh_from_db()
    assert case.created_at == at and case.registered_at == at
    assert case.number.startswith(f"440604-{timezone.localdate(at):%Y%m%d}-")
    assert set(case.events.values_list("at", flat=True)) == {at}
