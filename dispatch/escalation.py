"""Escalation (升级) by hand and the periodic deadline scan: warn at 80 % of a running
deadline, escalate one tier at 100 %, report overdue at the district tier. The status is
unchanged (cases/workflow.py): the routing fields are updated under the case's row lock."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Tier
from cases.services import CaseConflict
from grids.scoping import path_in_scope

from . import selectors
from .models import RoutingRule
from .notifications import NotificationKind, notification_send
from .routing import allowance_seconds, pick_rule, work_schedule
from .timeline import describe, DispatchError, in_zh, local_text, lock_case, record_event, update_locked_case
from .transitions import FALLBACK_ACCEPT, FALLBACK_HANDLE, stage_deadlines

log = logging.getLogger(__name__)
S = Case.Status

WARN_AT = 0.8  # share of a deadline's working time after which the warning goes out
ESCALATABLE = (S.REGISTERED, S.RETURNED, S.DISPATCHED, S.ACCEPTED)

running_deadline = selectors.running_deadline


def check_may_escalate(*, case: Case, actor) -> None:
    role = selectors.role_of(actor)
    if role not in selectors.DISPATCHER_ROLES:
        raise DispatchError(_("Only the dispatching centres can escalate a case."), code="role")
    if not path_in_scope(actor, case.region_path, verb=selectors.dispatch_verb(actor)):
        raise DispatchError(_("This case is outside your jurisdiction."), code="scope")
    if case.status not in ESCALATABLE:
        raise DispatchError(_("A case that is “%(status)s” cannot be escalated.") % {"status": Case.Status(case.status).label}, code="status")
    if case.tier is not None and case.tier <= Tier.DISTRICT:
        raise DispatchError(_("The case is already at the district tier; open a consultation instead."), code="top_tier")
    tiers = selectors.role_tiers(actor)
    if tiers and case.tier is not None and case.tier < min(tiers):
        raise DispatchError(_("The case is already above your tier."), code="tier")


def escalate_locked(*, case: Case, actor, reason: str, now: dt.datetime, schedule, automatic: bool) -> Case | None:
    """Move a locked case one tier up with fresh deadlines (claim on its version)."""
    from_tier = case.tier or Tier.STREET
    to_tier = max(Tier.DISTRICT, from_tier - 1)
    accept, handle = stage_deadlines(case, start=now, schedule=schedule)
    if not update_locked_case(
        case, tier=to_tier, accept_deadline=accept, handle_deadline=handle, deadline_warned_at=None,
        escalation_count=F("escalation_count") + 1,
    ):
        return None
    case.refresh_from_db(fields=["escalation_count"])
    record_event(
        case=case, actor=actor, action="escalate", note=reason,
        data={"from_tier": from_tier, "to_tier": to_tier, "automatic": automatic, "count": case.escalation_count},
    )
    text = in_zh(
        lambda: _("Case %(case)s was escalated to the %(tier)s tier (%(reason)s); accept by %(accept)s.")
        % {"case": describe(case), "tier": Tier(to_tier).label, "reason": reason, "accept": local_text(accept)}
    )
    notification_send(users=selectors.tier_dispatchers(case=case, tier=to_tier), kind=NotificationKind.ESCALATED, case=case, text=text)
    if automatic and case.department_id and case.status in (S.DISPATCHED, S.ACCEPTED):
        # The department that let the deadline pass hears it too.
        text = in_zh(lambda: _("Case %(case)s passed its deadline and was escalated to the %(tier)s tier.") % {
            "case": describe(case), "tier": Tier(to_tier).label,
        })
        notification_send(users=selectors.department_staff(department=case.department), kind=NotificationKind.OVERDUE, case=case, text=text)
    return case


@transaction.atomic
def case_escalate(*, case: Case, by, reason: str, expected_version: int | None = None) -> Case:
    """An officer escalates a case one tier up by hand (升级)."""
    if not reason.strip():
        raise DispatchError(_("Give a reason for escalating."), code="note_required")
    locked = lock_case(case, expected_version)
    check_may_escalate(case=locked, actor=by)
    escalated = escalate_locked(case=locked, actor=by, reason=reason.strip(), now=timezone.now(), schedule=work_schedule(), automatic=False)
    if escalated is None:
        raise CaseConflict(_("Case %(number)s was changed by someone else; reload it and try again.") % {"number": locked.number}, code="conflict")
    return escalated


@dataclass
class ScanResult:
    warned: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)


def _overdue_case(*, case_id: int, now: dt.datetime, schedule, result: ScanResult) -> None:
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("category", "grid", "department").get(pk=case_id)
        deadline = running_deadline(case)
        if deadline is None or deadline > now:
            return  # already escalated by an earlier run (fresh deadline) or moved on
        if case.tier is not None and case.tier > Tier.DISTRICT:
            reason = in_zh(lambda: _("deadline passed (%(deadline)s)")) % {"deadline": local_text(deadline)}
            if escalate_locked(case=case, actor=None, reason=reason, now=now, schedule=schedule, automatic=True):
                result.escalated.append(case.number)
            return
        # Top tier: nowhere to escalate; tell the district centre once per deadline.
        claimed = Case.objects.filter(pk=case.pk).filter(
            Q(deadline_warned_at__isnull=True) | Q(deadline_warned_at__lt=deadline)
        ).update(deadline_warned_at=now)
        if not claimed:
            return
        case.deadline_warned_at = now
        record_event(case=case, actor=None, action="overdue", data={"deadline": deadline.isoformat()})
        text = in_zh(lambda: _("Case %(case)s is overdue at the district tier (deadline %(deadline)s).") % {"case": describe(case), "deadline": local_text(deadline)})
        users = list(selectors.tier_dispatchers(case=case, tier=Tier.DISTRICT)) + list(selectors.department_staff(department=case.department))
        notification_send(users=users, kind=NotificationKind.OVERDUE, case=case, text=text)
        result.overdue.append(case.number)


def _warn_case(*, case: Case, deadline: dt.datetime, now: dt.datetime, result: ScanResult) -> None:
    with transaction.atomic():
        claimed = Case.objects.filter(pk=case.pk, status=case.status, deadline_warned_at__isnull=True).update(deadline_warned_at=now)
        if not claimed:
            return
        stage = "accept" if case.status in selectors.PRE_ACCEPT else "handle"
        record_event(case=case, actor=None, action="deadline_warning", data={"stage": stage, "deadline": deadline.isoformat()})
        if stage == "accept" and case.status != S.DISPATCHED:
            users = selectors.tier_dispatchers(case=case)
        else:
            users = selectors.department_staff(department=case.department)
        what = in_zh(lambda: _("acceptance")) if stage == "accept" else in_zh(lambda: _("handling"))
        text = in_zh(lambda: _("Case %(case)s: the %(what)s deadline %(deadline)s is approaching.") % {"case": describe(case), "what": what, "deadline": local_text(deadline)})
        notification_send(users=users, kind=NotificationKind.DEADLINE_WARNING, case=case, text=text)
        result.warned.append(case.number)


def deadlines_scan(*, now: dt.datetime | None = None, limit: int = 5000) -> ScanResult:
    """The periodic escalation run: warn at 80 % of a running deadline (once), escalate one tier
    at 100 %, or at the district tier report it overdue (once). Running it twice changes
    nothing more: every step is claimed with a conditional update."""
    now = now or timezone.now()
    schedule = work_schedule()
    result = ScanResult()
    # District-tier cases already reported overdue for their running deadline are done.
    reported = Q(tier=Tier.DISTRICT) & (
        Q(status__in=selectors.PRE_ACCEPT, deadline_warned_at__gte=F("accept_deadline"))
        | Q(status=S.ACCEPTED, deadline_warned_at__gte=F("handle_deadline"))
    )
    overdue_ids = list(
        Case.objects.filter(selectors.overdue_q(now)).exclude(reported).order_by("id").values_list("id", flat=True)[:limit]
    )
    for case_id in overdue_ids:
        try:
            _overdue_case(case_id=case_id, now=now, schedule=schedule, result=result)
        except Exception:  # one bad case must not stop the run; it is retried next time
            log.exception("escalation of case %s failed", case_id)

    rules = defaultdict(list)
    longest = 0.0
    for rule in RoutingRule.objects.filter(is_active=True).select_related("region"):
        rules[rule.category_id].append(rule)
        longest = max(longest, allowance_seconds(rule.accept_limit, rule.accept_unit, schedule), allowance_seconds(rule.handle_limit, rule.handle_unit, schedule))
    longest = max(longest, allowance_seconds(*FALLBACK_HANDLE, schedule))
    # No case can be within its last 20 % unless its deadline is before this instant.
    horizon = schedule.add(now, Decimal(str((1 - WARN_AT) * longest / 3600)), "working_hours")
    candidates = (
        Case.objects.filter(deadline_warned_at__isnull=True)
        .filter(
            Q(status__in=selectors.PRE_ACCEPT, accept_deadline__gt=now, accept_deadline__lte=horizon)
            | Q(status=S.ACCEPTED, handle_deadline__gt=now, handle_deadline__lte=horizon)
        )
        .select_related("category", "grid", "department")
        .order_by("id")
    )
    for case in candidates.iterator(chunk_size=500):
        deadline = running_deadline(case)
        rule = pick_rule(rules.get(case.category_id, ()), case.region_path)
        if case.status in selectors.PRE_ACCEPT:
            amount, unit = (rule.accept_limit, rule.accept_unit) if rule else FALLBACK_ACCEPT
        else:
            amount, unit = (rule.handle_limit, rule.handle_unit) if rule else FALLBACK_HANDLE
        allowance = allowance_seconds(amount, unit, schedule)
        remaining = schedule.working_seconds_between(now, deadline)
        if remaining <= (1 - WARN_AT) * allowance:
            try:
                _warn_case(case=case, deadline=deadline, now=now, result=result)
            except Exception:
                log.exception("deadline warning for case %s failed", case.pk)
    return result
