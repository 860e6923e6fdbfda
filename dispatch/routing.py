"""Routing on registration: which tier and department a case goes to, and its deadlines.

Routing is data (dispatch.models.RoutingRule), not code: each sub-class has a
district-wide default rule and may have overrides per region; the most specific
region containing the case wins. ``route_for_case(case)`` is called by
cases.services.case_transition when a case is registered and returns the fields to
set; deadlines are counted in working time over the calendar of
:func:`work_schedule` (settings.ECOGRID_WORKING_PERIODS + CalendarOverride rows).
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from .workcalendar import WorkSchedule

_schedule_lock = threading.Lock()
_schedule_memo: dict[tuple, WorkSchedule] = {}


def work_schedule() -> WorkSchedule:
    """The working calendar: configured periods plus the administrators' overrides.

    Built once per process per state of the override table: the key is the table's
    (row count, latest change), one tiny aggregate query, so an administrator's new
    typhoon day takes effect at once on every web and worker process without a
    cache to invalidate.
    """
    from .models import CalendarOverride

    state = CalendarOverride.objects.aggregate(n=Count("id"), changed=Max("updated_at"))
    key = (settings.ECOGRID_WORKING_PERIODS, state["n"], state["changed"])
    schedule = _schedule_memo.get(key)
    if schedule is None:
        overrides = dict(CalendarOverride.objects.values_list("date", "is_working_day"))
        schedule = WorkSchedule.from_strings(settings.ECOGRID_WORKING_PERIODS, overrides=overrides, tz=settings.TIME_ZONE)
        with _schedule_lock:
            _schedule_memo.clear()  # only the current state is worth keeping
            _schedule_memo[key] = schedule
    return schedule


def ancestor_paths(path: str) -> list[str]:
    """'440604/440604011/440604011001/' → ['440604/', '440604/440604011/', '440604/440604011/440604011001/']."""
    codes = [c for c in path.split("/") if c]
    return ["".join(f"{c}/" for c in codes[: i + 1]) for i in range(len(codes))]


def rule_for(*, category_id: int, region_path: str):
    """The active rule for a category at a place: the most specific region override, else the default."""
    from .models import RoutingRule

    candidates = (
        RoutingRule.objects.filter(category_id=category_id, is_active=True)
        .filter(Q(region__isnull=True) | Q(region__path__in=ancestor_paths(region_path)))
        .select_related("department", "region")
    )
    return max(candidates, key=lambda r: len(r.region.path) if r.region_id else 0, default=None)


def pick_rule(rules, region_path: str):
    """Same choice as :func:`rule_for`, over rules already in memory (for batch work)."""
    best, best_len = None, -1
    for rule in rules:
        if not rule.is_active:
            continue
        rule_path = rule.region.path if rule.region_id else ""
        if region_path.startswith(rule_path) and len(rule_path) > best_len:
            best, best_len = rule, len(rule_path)
    return best


def unit_for(*, department, region_path: str):
    """The unit of `department` serving the place (its street unit), else the department itself."""
    from .models import Department

    if department is None:
        return None
    top = department.parent if department.parent_id else department
    options = list(
        Department.objects.filter(Q(pk=top.pk) | Q(parent=top), is_active=True, region__path__in=ancestor_paths(region_path))
        .select_related("region", "parent")
    )
    if not options:
        return top
    return max(options, key=lambda d: len(d.region.path))


def deadlines_for(rule, *, start: dt.datetime, schedule: WorkSchedule | None = None) -> tuple[dt.datetime, dt.datetime]:
    """(acceptance deadline, handling deadline) for a rule, counted from `start` in working time."""
    schedule = schedule or work_schedule()
    accept = schedule.add(start, Decimal(rule.accept_limit), rule.accept_unit)
    handle = schedule.add(start, Decimal(rule.handle_limit), rule.handle_unit)
    return accept, handle


def allowance_seconds(amount, unit: str, schedule: WorkSchedule) -> float:
    """Working seconds in a time limit (e.g. 2 working days = 14 h by default)."""
    hours = Decimal(amount) * (Decimal(str(schedule.hours_per_day())) if unit == "working_days" else 1)
    return float(hours * 3600)


def route_for_case(case, *, now: dt.datetime | None = None) -> dict:
    """Fields to apply on registration: tier, department, accept_deadline, handle_deadline (and
    urgency when the rule sets one).

    A category without a rule (``manage.py routing_check`` reports them) goes to the
    street tier with no department, so a dispatcher routes it by hand.
    """
    from cases.models import Tier

    rule = rule_for(category_id=case.category_id, region_path=case.region_path)
    if rule is None:
        return {"tier": Tier.STREET}
    start = now or case.registered_at or timezone.now()
    accept, handle = deadlines_for(rule, start=start)
    fields = {
        "tier": rule.tier,
        "department": unit_for(department=rule.department, region_path=case.region_path),
        "accept_deadline": accept,
        "handle_deadline": handle,
        "deadline_warned_at": None,
    }
    if rule.urgency:
        fields["urgency"] = rule.urgency
    return fields
