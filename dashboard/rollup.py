"""Keeping CaseFact and CaseRollup current — writes (the services of this app's derived data).

Every change to a case appends a ``cases.CaseEvent`` (transitions, merges, escalations,
consultations …). ``refresh()`` reads the events after a watermark (a primary-key range,
never a scan of the cases), recomputes the touched cases' contributions
(``dashboard.facts``) and applies the *difference* to the rollup rows in one upsert, so a
reopen, a merge or a re-dispatch moves a case between rows exactly. It runs every minute
(config/schedules.py) and at the start of each dashboard request, so the page shows every
committed step.

Event ids may commit out of order (a long transaction holds a lower id), so ids above the
safe watermark that were already applied are remembered, and the watermark only passes
events older than SETTLE. Re-applying a case is harmless anyway: its new contribution is
compared with the stored one.

``rebuild()`` recomputes everything from scratch (``manage.py dashboard_rebuild``); the
tests check that refresh after any sequence of steps equals a rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseEvent

from . import facts
from .models import MEASURES, CaseFact, CaseRollup, RefreshState  # noqa: F401  (MEASURES, CaseFact re-exported for tests)

SETTLE = dt.timedelta(minutes=5)
BATCH = 2000
CASE_FIELDS = (
    "id", "status", "registered_at", "created_at", "closed_at", "handle_deadline", "self_handle_overdue",
    "escalation_count", "category_id", "source", "region_path",
)


def _schedule():
    from dispatch.routing import work_schedule

    return work_schedule()


def compute(case_ids, *, schedule=None) -> dict[int, tuple[dt.date, str, dict | None]]:
    """(day, region_path, contribution) for each existing case id: two indexed queries."""
    schedule = schedule or _schedule()
    ids = list(case_ids)
    rows = Case.objects.filter(id__in=ids).values(*CASE_FIELDS, department_code=_dept_code())
    events = defaultdict(list)
    for e in CaseEvent.objects.filter(case_id__in=ids).order_by("case_id", "at", "id").values("case_id", "action", "at", "data"):
        events[e["case_id"]].append(e)
    out = {}
    for row in rows:
        out[row["id"]] = (
            facts.local_day(row["created_at"]), row["region_path"], facts.case_contribution(row, events.get(row["id"], ()), schedule)
        )
    return out


def _dept_code():
    from django.db.models import F

    return F("department__code")


def _rows_delta(delta: dict, contribution, *, day, region_path, sign: int) -> None:
    for key, measures in facts.rollup_rows(contribution, day=day, region_path=region_path):
        facts.add_into(delta[key], measures, sign)


def apply_cases(case_ids, *, schedule=None) -> int:
    """Recompute `case_ids` and apply the differences (inside the caller's transaction)."""
    case_ids = list(set(case_ids))
    if not case_ids:
        return 0
    new = compute(case_ids, schedule=schedule)
    old = {f.case_id: f for f in CaseFact.objects.filter(case_id__in=case_ids)}
    delta: dict = defaultdict(dict)
    upserts = []
    for case_id in case_ids:
        prev = old.get(case_id)
        if case_id not in new:  # the case is gone
            if prev is not None:
                _rows_delta(delta, prev.contribution, day=prev.day, region_path=prev.region_path, sign=-1)
                CaseFact.objects.filter(case_id=case_id).delete()
            continue
        day, path, contribution = new[case_id]
        if prev is not None and prev.contribution == contribution and prev.day == day and prev.region_path == path:
            continue
        if prev is not None:
            _rows_delta(delta, prev.contribution, day=prev.day, region_path=prev.region_path, sign=-1)
        _rows_delta(delta, contribution, day=day, region_path=path, sign=1)
        upserts.append(CaseFact(case_id=case_id, day=day, region_path=path, contribution=contribution))
    if upserts:
        CaseFact.objects.bulk_create(
            upserts, update_conflicts=True, unique_fields=["case"], update_fields=["day", "region_path", "contribution"]
        )
    _upsert(delta)
    return len(upserts)


def _upsert(delta: dict) -> None:
    """Add `delta` {(grain, period, level, path, dim, value): {measure: n}} to the rollup rows
    in one INSERT … ON CONFLICT DO UPDATE per 500 rows (PostgreSQL and SQLite alike)."""
    items = [(k, v) for k, v in delta.items() if any(v.values())]
    if not items:
        return
    table = connection.ops.quote_name(CaseRollup._meta.db_table)
    cols = ["grain", "period", "level", "region_path", "dim", "value", *MEASURES]
    sets = ", ".join(f"{m} = {table}.{m} + EXCLUDED.{m}" for m in MEASURES)
    placeholder = "(" + ", ".join(["%s"] * len(cols)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(items), 500):
            chunk = items[start:start + 500]
            params = []
            for (grain, period, level, path, dim, value), measures in chunk:
                params += [grain, period, level, path, dim, value, *(measures.get(m, 0) for m in MEASURES)]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([placeholder] * len(chunk))} "
                f"ON CONFLICT (grain, period, region_path, dim, value) DO UPDATE SET {sets}",
                params,
            )


def refresh(*, limit: int = BATCH, now: dt.datetime | None = None) -> int | None:
    """Apply the case events committed since the last refresh; returns the cases recomputed,
    or None when another refresh holds the state row (PostgreSQL: it is not waited for)."""
    now = now or timezone.now()
    with transaction.atomic():
        RefreshState.objects.get_or_create(pk=1)
        qs = RefreshState.objects.filter(pk=1)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        state = qs.first()
        if state is None:
            return None
        seen = set(state.recent_ids)
        events = list(
            CaseEvent.objects.filter(id__gt=state.safe_event_id).order_by("id").values_list("id", "case_id", "at")[: limit + len(seen)]
        )
        fresh = [(i, c, at) for i, c, at in events if i not in seen]
        fresh = fresh[:limit]
        if fresh:
            apply_cases([c for _i, c, _at in fresh])
        applied = seen | {i for i, _c, _at in fresh}
        # The safe watermark moves over the leading run of applied events that are settled.
        safe = state.safe_event_id
        for i, _c, at in events:
            if i in applied and at <= now - SETTLE:
                safe = i
            else:
                break
        recent = sorted(i for i in applied if i > safe)
        if safe != state.safe_event_id or recent != state.recent_ids or fresh:
            RefreshState.objects.filter(pk=1).update(safe_event_id=safe, recent_ids=recent, refreshed_at=now)
    return len({c for _i, c, _at in fresh})


def pending(*, limit: int = BATCH) -> bool:
    """True if events are waiting beyond one refresh batch (the page says the numbers lag)."""
    state = RefreshState.objects.filter(pk=1).values_list("safe_event_id", "recent_ids").first()
    safe, recent = state if state else (0, [])
    return CaseEvent.objects.filter(id__gt=safe).exclude(id__in=recent)[:1].exists()


def rebuild(*, out=None, batch: int = 5000, margin: int = 1000) -> int:
    """Recompute every fact and rollup from the cases (after a bulk import, or to repair)."""
    schedule = _schedule()
    with transaction.atomic():
        RefreshState.objects.update_or_create(pk=1, defaults={"safe_event_id": 0, "recent_ids": []})
        RefreshState.objects.select_for_update().filter(pk=1).first()
        top = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        CaseRollup.objects.all().delete()
        CaseFact.objects.all().delete()
        done = 0
        last = 0
        while True:
            ids = list(Case.objects.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:batch])
            if not ids:
                break
            last = ids[-1]
            done += apply_cases(ids, schedule=schedule)
            if out:
                out(f"dashboard rebuild: {done} cases")
        # Events up to `top` are in; anything committed while we ran is picked up by refresh.
        # (`margin` events below it are looked at once more, in case one committed late).
        RefreshState.objects.filter(pk=1).update(safe_event_id=max(0, top - margin), recent_ids=[], refreshed_at=timezone.now())
    return done
