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
from .models import MEASURES, CaseFact, CaseRollup, InspectionFact, InspectionRollup, RefreshState  # noqa: F401

SETTLE = dt.timedelta(minutes=5)
FACT_FIELDS = ["day", "region_path", "contribution", *facts.fact_columns(None)]
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
        upserts.append(CaseFact(case_id=case_id, day=day, region_path=path, contribution=contribution, **facts.fact_columns(contribution)))
    if upserts:
        CaseFact.objects.bulk_create(
            upserts, update_conflicts=True, unique_fields=["case"], update_fields=FACT_FIELDS,
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
    conflict = f"ON CONFLICT (grain, period, region_path, dim, value) DO UPDATE SET {sets}"
    if connection.vendor == "postgresql":
        # COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT: a VALUES list or
        # arrays of thousands of rows spend most of their time in the driver's quoting.
        types = ["text", "date", "smallint", "varchar(255)", "varchar(4)", "varchar(32)", *(["bigint"] * len(MEASURES))]
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS dashboard_delta ("
                + ", ".join(f"{c} {t}" for c, t in zip(cols, types)) + ") ON COMMIT DELETE ROWS"
            )
            with cursor.cursor.copy(f"COPY dashboard_delta ({', '.join(cols)}) FROM STDIN") as copy:
                for key, measures in items:
                    copy.write_row((*key, *(measures.get(m, 0) for m in MEASURES)))
            cursor.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM dashboard_delta {conflict}")
            cursor.execute("TRUNCATE dashboard_delta")
        return
    placeholder = "(" + ", ".join(["%s"] * len(cols)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(items), 500):
            chunk = items[start:start + 500]
            params = []
            for (grain, period, level, path, dim, value), measures in chunk:
                params += [grain, period, level, path, dim, value, *(measures.get(m, 0) for m in MEASURES)]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([placeholder] * len(chunk))} " + conflict,
                params,
            )


def refresh(*, limit: int = BATCH, now: dt.datetime | None = None) -> int | None:
    """Apply the case events committed since the last refresh; returns the cases recomputed,
    or None when another refresh holds the state row (PostgreSQL: it is not waited for)."""
    done, _more = refresh_step(limit=limit, now=now)
    return done


def refresh_step(*, limit: int = BATCH, now: dt.datetime | None = None, inspections: bool = True) -> tuple[int | None, bool]:
    """refresh(), also saying whether events are left for the next one (the page says so).

    A page view refreshes the cases only (``inspections=False``): submitted inspections are
    counted by the periodic task, within a minute."""
    now = now or timezone.now()
    with transaction.atomic():
        qs = RefreshState.objects.filter(pk=1)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        state = qs.first()
        if state is None:
            if RefreshState.objects.filter(pk=1).exists():
                return None, False  # another refresh is running
            state, _created = RefreshState.objects.get_or_create(pk=1)
        seen = set(state.recent_ids)
        events = list(
            CaseEvent.objects.filter(id__gt=state.safe_event_id).order_by("id").values_list("id", "case_id", "at")[: limit + len(seen) + 1]
        )
        fresh = [(i, c, at) for i, c, at in events if i not in seen]
        more = len(fresh) > limit
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
        since = _inspections(since=state.inspections_since, now=now, limit=limit) if inspections else state.inspections_since
        if safe != state.safe_event_id or recent != state.recent_ids or fresh or since != state.inspections_since:
            RefreshState.objects.filter(pk=1).update(safe_event_id=safe, recent_ids=recent, refreshed_at=now, inspections_since=since)
    return len({c for _i, c, _at in fresh}), more


def _inspections(*, since, now, limit: int) -> dt.datetime:
    """Count the inspections submitted since `since` (less SETTLE) not counted yet; returns the
    next `since`. Submitted inspections do not change, so each is counted once (InspectionFact)."""
    from django.db.models import Count

    from inspections.models import Answer, Inspection

    qs = Inspection.objects.filter(status=Inspection.Status.SUBMITTED)
    if since is not None:
        cutoff = since - SETTLE
        qs = qs.filter(submitted_at__gte=cutoff).exclude(
            pk__in=InspectionFact.objects.filter(day__gte=facts.local_day(cutoff) - dt.timedelta(days=1)).values("inspection_id")
        )
    rows = list(qs.order_by("submitted_at", "id").values_list("id", "submitted_at", "region_path", "place_id")[:limit])
    if rows:
        counts: dict = defaultdict(dict)
        for inspection_id, code, result, n in (
            Answer.objects.filter(inspection_id__in=[r[0] for r in rows], result__in=["pass", "fail"])
            .values_list("inspection_id", "department__code", "result").annotate(n=Count("id")).order_by()
        ):
            pair = counts[inspection_id].setdefault(code, [0, 0])
            pair[0 if result == "pass" else 1] += n
        new_facts, delta = [], defaultdict(lambda: [0, 0])
        for inspection_id, submitted_at, path, place_id in rows:
            day = facts.local_day(submitted_at)
            depts = counts.get(inspection_id, {})
            new_facts.append(InspectionFact(inspection_id=inspection_id, day=day, region_path=path, place_id=place_id, depts=depts))
            for level, apath in facts.ancestors(path):
                if level >= 4:
                    continue
                for code, (passed, failed) in depts.items():
                    d = delta[(facts.month_start(day), level, apath, code)]
                    d[0] += passed
                    d[1] += failed
        InspectionFact.objects.bulk_create(new_facts, ignore_conflicts=True)
        table = connection.ops.quote_name(InspectionRollup._meta.db_table)
        with connection.cursor() as cursor:
            items = list(delta.items())
            for start in range(0, len(items), 500):
                chunk = items[start:start + 500]
                cursor.execute(
                    f"INSERT INTO {table} (month, level, region_path, department, passed, failed) VALUES "
                    + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
                    + f" ON CONFLICT (month, region_path, department) DO UPDATE SET passed = {table}.passed + EXCLUDED.passed,"
                    f" failed = {table}.failed + EXCLUDED.failed",
                    [v for key, (p, f) in chunk for v in (*key, p, f)],
                )
    if len(rows) >= limit:
        return rows[-1][1] + SETTLE  # more to do: the next refresh goes on from here
    return now


def rebuild(*, out=None, batch: int = 5000, margin: int = 1000) -> int:
    """Recompute every fact and rollup from the cases (after a bulk import, or to repair)."""
    schedule = _schedule()
    with transaction.atomic():
        RefreshState.objects.update_or_create(pk=1, defaults={"safe_event_id": 0, "recent_ids": []})
        RefreshState.objects.select_for_update().filter(pk=1).first()
        top = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        CaseRollup.objects.all().delete()
        CaseFact.objects.all().delete()
        InspectionRollup.objects.all().delete()
        InspectionFact.objects.all().delete()
        now = timezone.now()
        since = None
        while True:  # every submitted inspection, in batches
            since = _inspections(since=since, now=now, limit=batch)
            if since == now:
                break
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
        RefreshState.objects.filter(pk=1).update(
            safe_event_id=max(0, top - margin), recent_ids=[], refreshed_at=timezone.now(), inspections_since=now,
        )
    return done
