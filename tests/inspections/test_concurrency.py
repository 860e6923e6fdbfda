"""Ten submits of the same inspection at once (a flaky network, a double tap, retries).

Runs on PostgreSQL: SQLite has no row locks (select_for_update is a no-op there) and
serialises writers on the whole file, so the race this guards against cannot happen.
"""

import threading

import pytest
from django.db import close_old_connections, connection

from cases.models import Case, CaseEvent, DailyCounter
from inspections import services
from inspections.models import Answer, Inspection

from .conftest import answer_all

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs on it)"),
]


def test_ten_concurrent_submits_make_one_inspection_and_one_set_of_cases(published, place, worker):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail={"XF-001", "SJJ-001", "XF-002"}, fixed={"XF-002"})
    barrier = threading.Barrier(10)
    results, errors = [], []

    resent = []

    def submit(with_answers: bool):
        try:
            draft = Inspection.objects.get(pk=inspection.pk)  # each thread: its own connection, its own copy
            # Half of them also carry the answers again, as the final form post does (chosen by
            # the thread's index: thread ids are all even, so they cannot pick the half).
            answers = {
                str(item.pk): {k: v for k, v in draft.draft[item.code].items() if k in ("result", "reason", "fixed", "remark")}
                for item in draft.scene.items.all()
            } if with_answers else None
            if answers is not None:
                resent.append(len(answers))
            barrier.wait(timeout=30)
            results.append(services.inspection_submit(inspection=draft, inspector=worker, answers=answers, latitude=22.95, longitude=113.11))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=submit, args=(n % 2 == 1,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert resent == [7] * 5  # five of the ten really re-sent all seven answers with the submit
    assert len(results) == 10
    assert sum(created for _, created in results) == 1
    assert {i.pk for i, _ in results} == {inspection.pk}
    assert Inspection.objects.filter(status="submitted").count() == 1
    assert Answer.objects.count() == 7
    assert Case.objects.count() == 3
    assert Case.objects.filter(status=Case.Status.SELF_HANDLED).count() == 1
    assert CaseEvent.objects.filter(action="report").count() == 3
    assert DailyCounter.objects.get().value == 3
