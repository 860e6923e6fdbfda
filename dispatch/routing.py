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
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from core import refdata

from .workcalendar import WorkSchedule


def work_schedule() -> WorkSchedule:
    """The working calendar: configured periods plus the administrators' overrides.

    Built once per process per version of the override table (core/refdata.py: the
    "calendar" stamp, bumped by every save/delete of a CalendarOverride), so an
    administrator's new typhoon day takes effect at the next request of every web and
    worker process.
    """

    def build() -> WorkSchedule:
        from .models import CalendarOverride

        overrides = dict(CalendarOverride.objects.values_list("date", "is_working_day"))
        return WorkSchedule.from_strings(settings.ECOGRID_WORKING_PERIODS, overrides=overrides, tz=settings.TIME_ZONE)

    return refdata.cached("calendar", build, key=(settings.ECOGRID_WORKING_PERIODS, settings.TIME_ZONE))


@dataclass(frozen=True)
class RoutingData:
    """The active routing rules by category and the active departments, kept per process."""

    rules: dict  # category id -> [RoutingRule (department, department.parent, region loaded)]
    units: dict  # department id -> [itself and its active units, if active (region loaded)]


def routing_data() -> RoutingData:
    """Rules and departments per process, rebuilt when one changes (the "routing" stamp:
    dispatch/apps.py tracks RoutingRule and Department; rules_import saves row by row)."""

    def build() -> RoutingData:
        from .models import Department, RoutingRule

        rules: dict = {}
        for rule in RoutingRule.objects.filter(is_active=True).select_related("department__parent", "region").order_by("id"):
            rules.setdefault(rule.category_id, []).append(rule)
        units: dict = {}
        for dept in Department.objects.filter(is_active=True).select_related("region", "parent").order_by("id"):
            units.setdefault(dept.pk, []).append(dept)  # a department serves as its own unit
            if dept.parent_id:
                units.setdefault(dept.parent_id, []).append(dept)
        return RoutingData(rules=rules, units=units)

    return refdata.cached("routing", build)


def ancestor_paths(path: str) -> list[str]:
    """'440604/440604011/440604011001/' → ['440604/', '440604/440604011/', '440604/440604011/440604011001/']."""
    codes = [c for c in path.split("/") if c]
    return ["".join(f"{c}/" for c in codes[: i + 1]) for i in range(len(codes))]


def rule_for(*, category_id: int, region_path: str):
    """The active rule for a category at a place: the most specific region override, else the default.

    From the per-process routing data (no query once built); the rule is shared: read-only."""
    return pick_rule(routing_data().rules.get(category_id, ()), region_path)


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
    if department is None:
        return None
    top = department.parent if department.parent_id else department
    ancestors = set(ancestor_paths(region_path))
    options = [d for d in routing_data().units.get(top.pk, ()) if d.region.path in ancestors]
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
