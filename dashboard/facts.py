"""What one case adds to the dashboard: a pure function of the case row and its timeline.

Definitions (every rate on the page uses these; cohort = the cases *reported* in the
period, counted in their state as of now):

* found (发现): registered (立案) and not merged, rejected or cancelled — a duplicate merged
  into another case stops counting, the original keeps counting once;
* self_handled (发现即办) and self_fast (closed within ECOGRID_SELF_HANDLE_MINUTES);
* dispatched (派遣): found cases dispatched to a department at least once;
* closed (结案): closed after dispatch; open (未结): found and not yet closed / self-handled;
* closed_on_time (按期结案): closed no later than its handling deadline, which dispatch
  counts in working time on the working calendar (dispatch/workcalendar.py);
* returned (退单): returned by a department at least once; reworked (返工): failed a
  verification or was reopened at least once; escalations (升级): escalation_count;
* handling time: working time (the same calendar) from the first dispatch to the close,
  in minutes; the P90 is read from a histogram whose bins are HOUR_BINS;
* per department: received, accepted (on time: the acceptance was not late), returned,
  handled (on time: handled before the handling deadline) — each attributed to the
  department that held the case at that step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from .models import CASE_MEASURES, MEASURES

# Upper bounds (working hours) of the handling-time histogram; 7 h is one working day.
HOUR_BINS = (1, 2, 4, 7, 14, 21, 35, 70, 140)
INF_BIN = "inf"

NOT_FOUND = {"merged", "rejected", "cancelled", "pending_triage", "reported"}
OPEN = {"registered", "dispatched", "accepted", "returned", "handled", "verified"}


def hours_bin(minutes: int) -> str:
    hours = minutes / 60
    for edge in HOUR_BINS:
        if hours <= edge:
            return str(edge)
    return INF_BIN


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def case_contribution(case: dict, events: Iterable[dict], schedule) -> dict | None:
    """The contribution of one case, or None when it counts nowhere.

    `case`: a dict with the Case fields status, registered_at, created_at, closed_at,
    handle_deadline, self_handle_overdue, escalation_count, category_id, source and
    ``department_code``; `events`: its CaseEvent rows (action, at, data) in time order;
    `schedule`: a dispatch.workcalendar.WorkSchedule.

    Returns ``{"m": {measure: n}, "cat": id, "src": source, "dept": code, "hrs": bin,
    "depts": {code: {measure: n}}}`` with only the non-zero measures.
    """
    status = case["status"]
    if case["registered_at"] is None or status in NOT_FOUND:
        return None
    m: dict[str, int] = {"found": 1}
    depts: dict[str, dict[str, int]] = {}
    current = None
    first_dispatch = None
    returned = reworked = False
    handle_deadline = case["handle_deadline"]
    for e in events:
        action, data = e["action"], e["data"] or {}
        if action in ("dispatch", "reassign"):
            current = data.get("department") or current
            if first_dispatch is None:
                first_dispatch = e["at"]
            if current:
                depts.setdefault(current, {})["d_received"] = 1
        elif action == "accept" and current:
            d = depts.setdefault(current, {})
            d["d_accepted"] = 1
            d["d_accepted_on_time"] = 0 if data.get("late") else 1
        elif action == "return":
            returned = True
            code = data.get("department") or current
            if code:
                depts.setdefault(code, {})["d_returned"] = 1
        elif action == "handle" and current:
            d = depts.setdefault(current, {})
            d["d_handled"] = 1
            d["d_handled_on_time"] = 1 if handle_deadline is None or e["at"] <= handle_deadline else 0
        elif action in ("verify_fail", "reopen"):
            reworked = True
    if status == "self_handled":
        m["self_handled"] = 1
        if not case["self_handle_overdue"]:
            m["self_fast"] = 1
    if first_dispatch is not None:
        m["dispatched"] = 1
    if status in OPEN:
        m["open"] = 1
    hrs = None
    if status == "closed":
        m["closed"] = 1
        closed_at = case["closed_at"]
        if handle_deadline is not None and closed_at is not None:
            m["closed_with_deadline"] = 1
            if closed_at <= handle_deadline:
                m["closed_on_time"] = 1
        if first_dispatch is not None and closed_at is not None:
            minutes = round(schedule.working_seconds_between(first_dispatch, closed_at) / 60)
            m["hours_n"] = 1
            m["minutes_sum"] = minutes
            hrs = hours_bin(minutes)
    if returned:
        m["returned"] = 1
    if reworked:
        m["reworked"] = 1
    if case["escalation_count"]:
        m["escalated"] = 1
        m["escalations"] = int(case["escalation_count"])
    return {
        "m": {k: v for k, v in m.items() if v},
        "cat": case["category_id"],
        "src": case["source"],
        "dept": case.get("department_code") or "",
        "hrs": hrs,
        "depts": {code: {k: v for k, v in d.items() if v} for code, d in depts.items()},
    }


def fact_columns(contribution: dict | None) -> dict:
    """The columns of a CaseFact for `contribution` (zeros and blanks when it counts nowhere)."""
    if not contribution:
        return {"cat": None, "src": "", "dept": "", "hrs": "", **dict.fromkeys(CASE_MEASURES, 0)}
    m = contribution["m"]
    return {
        "cat": contribution["cat"], "src": contribution["src"] or "", "dept": contribution["dept"] or "",
        "hrs": contribution["hrs"] or "", **{k: m.get(k, 0) for k in CASE_MEASURES},
    }


def ancestors(path: str) -> list[tuple[int, str]]:
    """(level, path) of every region on a grid path "d/s/v/g/", the district first."""
    parts = [p for p in path.split("/") if p]
    return [(i + 1, "/".join(parts[: i + 1]) + "/") for i in range(len(parts))]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def rollup_rows(contribution: dict | None, *, day: dt.date, region_path: str, min_level: int = 1):
    """Yield ((grain, period, level, path, dim, value), measures) for one case's contribution.

    Regions above the grid (levels < 4) get every dimension; the grid only ``all``.
    """
    if not contribution:
        return
    m = contribution["m"]
    month, week = month_start(day), week_start(day)
    dept = contribution["dept"]
    depts = contribution["depts"]
    for level, path in ancestors(region_path):
        if level < min_level:
            continue
        if level >= 4:
            yield ("m", month, level, path, "all", ""), m
            continue
        yield ("m", month, level, path, "all", ""), m
        yield ("w", week, level, path, "all", ""), m
        yield ("m", month, level, path, "cat", str(contribution["cat"])), m
        yield ("m", month, level, path, "src", contribution["src"]), m
        codes = set(depts) | ({dept} if dept else set())
        for code in codes:
            row = dict(depts.get(code, {}))
            if code == dept:
                for k, v in m.items():
                    row[k] = row.get(k, 0) + v
            yield ("m", month, level, path, "dept", code), row
        if contribution["hrs"]:
            yield ("m", month, level, path, "hrs", contribution["hrs"]), {"hours_n": 1, "minutes_sum": m.get("minutes_sum", 0)}


def add_into(target: dict, measures: dict, sign: int = 1) -> None:
    for k, v in measures.items():
        target[k] = target.get(k, 0) + sign * v


def empty() -> dict:
    return dict.fromkeys(MEASURES, 0)


def self_handle_minutes() -> int:
    return settings.ECOGRID_SELF_HANDLE_MINUTES
