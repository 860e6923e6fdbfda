"""Writes for dispatch: dispatching, accepting, returning, handling, escalation, deadline
warnings, consultations, rectification notices, notifications and routing-rule imports.

Every change of a case's status goes through cases.services.case_transition (row lock,
version check, timeline event). Escalation, warnings and consultations do not change
the status (see cases/workflow.py): they update the routing fields under the same row
lock and append their own timeline event here.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, CaseCategory, CaseEvent, Tier, Urgency
from cases.services import CaseActionError, CaseConflict, CheckedEvidence, case_lock, case_transition
from grids.models import Region, StaffProfile
from grids.scoping import path_in_scope

from . import selectors
from .models import (
    CalendarOverride,
    Consultation,
    ConsultationAction,
    DeadlineUnit,
    Department,
    Notification,
    NumberCounter,
    PartyKind,
    RectificationNotice,
    RoutingRule,
)
from .routing import allowance_seconds, deadlines_for, pick_rule, rule_for, unit_for, work_schedule

log = logging.getLogger(__name__)
S = Case.Status
R = StaffProfile.Role
User = get_user_model()

# Deadlines for a case whose category has no rule (routing_check reports those).
FALLBACK_ACCEPT = (Decimal(2), DeadlineUnit.WORKING_HOURS)
FALLBACK_HANDLE = (Decimal(5), DeadlineUnit.WORKING_DAYS)
WARN_AT = 0.8  # share of a deadline's working time after which the warning goes out
ESCALATABLE = (S.REGISTERED, S.RETURNED, S.DISPATCHED, S.ACCEPTED)
CONSULTABLE_TIERS = (Tier.STREET, Tier.DISTRICT)

# Timeline actions dispatch records (status unchanged), for the case page's labels.
EVENT_LABELS = {
    "escalate": gettext_lazy("Escalated"),
    "deadline_warning": gettext_lazy("Deadline approaching"),
    "overdue": gettext_lazy("Overdue"),
    "consultation": gettext_lazy("Consultation scheduled"),
    "consultation_decision": gettext_lazy("Consultation decision"),
    "rectification_notice": gettext_lazy("Rectification notice issued"),
    "followup_due": gettext_lazy("Follow-up check due"),
    "rectification_checked": gettext_lazy("Follow-up check"),
}


class DispatchError(CaseActionError):
    """A dispatch action that is not allowed; the message says why."""


def _zh(func, *args, **kwargs):
    """Stored texts (notifications) are written in the deployment's language, whatever the
    language of the request that caused them."""
    with translation.override(settings.LANGUAGE_CODE):
        return func(*args, **kwargs)


def _local(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _actor_label(actor) -> str:
    if actor is None:
        return _zh(lambda: _("System"))
    profile = getattr(actor, "profile", None)
    return profile.full_name if profile is not None else actor.get_username()


def _case_event(*, case: Case, actor, action: str, note: str = "", data: dict | None = None) -> CaseEvent:
    """A timeline event that does not change the status (escalation, consultation …)."""
    return CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_actor_label(actor),
        action=action,
        from_status=case.status,
        to_status=case.status,
        note=note,
        data=data or {},
    )


def _lock(case: Case, expected_version: int | None = None) -> Case:
    return case_lock(case=case, expected_version=expected_version)


def _update_case(case: Case, **fields) -> bool:
    """Conditional update of a locked case (claim on its version), bumping the version."""
    fields = {**fields, "version": case.version + 1, "updated_at": timezone.now()}
    done = Case.objects.filter(pk=case.pk, version=case.version).update(**fields) == 1
    if done:
        for name, value in fields.items():
            setattr(case, name, value)
    return done


def _describe(case: Case) -> str:
    return f"{case.number} {case.category.name}（{case.grid.name if case.grid_id else ''}）"


# --- notifications ----------------------------------------------------------------------------

def notification_send(*, users: Iterable, kind: str, case: Case | None = None, text: str) -> list[Notification]:
    """Put a message in each user's inbox (and email those with an address, after commit).

    For other apps too: ``notification_send(users=[…], kind=Notification.Kind.OTHER, case=case, text="…")``.
    """
    recipients = {u.pk: u for u in users if u is not None and getattr(u, "is_active", True)}
    if not recipients:
        return []
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    items = [
        Notification(
            recipient_id=pk, kind=kind, case=case, text=text[:500],
            email_status=Notification.EmailStatus.QUEUED if user.email else Notification.EmailStatus.NONE,
        )
        for pk, user in recipients.items()
    ]
    created = Notification.objects.bulk_create(items)  # PostgreSQL and SQLite ≥ 3.35 return the ids
    to_email = [n.pk for n in created if n.email_status == Notification.EmailStatus.QUEUED]
    if to_email:
        from .tasks import notification_email

        transaction.on_commit(lambda: [notification_email.delay(pk) for pk in to_email])
    return created


def notification_email_deliver(*, notification_id: int) -> str:
    """Send one queued notification by email; claimed first so a redelivered task sends nothing twice."""
    from django.core.mail import send_mail

    claimed = Notification.objects.filter(pk=notification_id, email_status=Notification.EmailStatus.QUEUED).update(
        email_status=Notification.EmailStatus.SENDING
    )
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related("recipient", "case").get(pk=notification_id)
    subject = _zh(lambda: _("[EcoGrid] %(kind)s")) % {"kind": _zh(lambda: str(Notification.Kind(notification.kind).label))}
    try:
        send_mail(subject, notification.text, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            email_status=Notification.EmailStatus.QUEUED, email_error=str(exc)[:255]
        )
        raise
    Notification.objects.filter(pk=notification_id).update(email_status=Notification.EmailStatus.SENT, email_error="")
    return "sent"


def notification_email_failed(*, notification_id: int, error: str) -> None:
    """After the last retry: show the failure in the recipient's inbox."""
    Notification.objects.filter(pk=notification_id).exclude(email_status=Notification.EmailStatus.SENT).update(
        email_status=Notification.EmailStatus.FAILED, email_error=error[:255]
    )


def notification_mark_read(*, user, notification: Notification) -> None:
    if notification.recipient_id == user.pk and notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def _notify_dispatched(case: Case) -> None:
    text = _zh(
        lambda: _("New case %(case)s dispatched to %(department)s: accept by %(accept)s, handle by %(handle)s.")
        % {"case": _describe(case), "department": case.department.name, "accept": _local(case.accept_deadline), "handle": _local(case.handle_deadline)}
    )
    notification_send(users=selectors.department_staff(department=case.department), kind=Notification.Kind.DISPATCHED, case=case, text=text)


# --- dispatching ------------------------------------------------------------------------------

def check_department_serves(*, case: Case, department: Department) -> None:
    """A case may only go to a department of the district or a unit serving the case's street."""
    if department is None:
        raise DispatchError(_("Choose a department."), code="department_required")
    if not department.is_active:
        raise DispatchError(_("“%(department)s” is no longer active.") % {"department": department.name}, code="department_inactive")
    if not case.region_path.startswith(department.region.path):
        raise DispatchError(
            _("“%(department)s” serves %(region)s, which does not include this case's place (%(grid)s). Choose a department of the district or a unit of the case's street.")
            % {"department": department.name, "region": department.region.name, "grid": case.grid.name},
            code="department_region",
        )


def _stage_deadlines(case: Case, *, start: dt.datetime, schedule=None) -> tuple[dt.datetime, dt.datetime]:
    """Fresh (acceptance, handling) deadlines for the case from `start`, from its rule."""
    schedule = schedule or work_schedule()
    rule = rule_for(category_id=case.category_id, region_path=case.region_path)
    if rule is not None:
        return deadlines_for(rule, start=start, schedule=schedule)
    return schedule.add(start, *FALLBACK_ACCEPT), schedule.add(start, *FALLBACK_HANDLE)


@transaction.atomic
def case_dispatch(
    *, case: Case, department: Department, by, expected_version: int | None = None, note: str = "",
    handle_deadline: dt.datetime | None = None, data: dict | None = None,
) -> Case:
    """派遣 (or 改派 when already dispatched): to a department serving the case's place, with fresh
    acceptance and handling deadlines counted from now in working time."""
    department = Department.objects.select_related("region", "parent").get(pk=department.pk)
    check_department_serves(case=case, department=department)
    action = "reassign" if case.status == S.DISPATCHED else "dispatch"
    if action == "reassign" and case.department_id == department.pk:
        raise DispatchError(_("The case is already dispatched to “%(department)s”.") % {"department": department.name}, code="same_department")
    now = timezone.now()
    accept, handle = _stage_deadlines(case, start=now)
    suggestion = selectors.suggested_department(case=case)
    case = case_transition(
        case=case, action=action, actor=by, expected_version=expected_version, note=note,
        data={
            "department": department.code, "department_name": department.name,
            "suggested": bool(suggestion and suggestion.pk == department.pk),
            "previous": case.department.code if action == "reassign" and case.department_id else "",
            **(data or {}),
        },
        updates={
            "department": department, "accept_deadline": accept, "handle_deadline": handle_deadline or handle,
            "deadline_warned_at": None,
        },
    )
    case.department = department
    _notify_dispatched(case)
    return case


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def case_dispatch_bulk(*, items: Sequence[tuple[Case, int | None]], department: Department | None, by) -> BulkResult:
    """Dispatch several cases: each to `department` (a district department is resolved to the unit
    serving each case's street) or, with no department, to its rule's suggestion. Each case is
    its own transaction: one refusal does not undo the others."""
    result = BulkResult()
    for case, version in items:
        try:
            if department is None:
                target = selectors.suggested_department(case=case)
            else:
                target = unit_for(department=department, region_path=case.region_path)
            if target is None:
                raise DispatchError(_("No rule suggests a department for this case; dispatch it on its own."), code="no_suggestion")
            case_dispatch(case=case, department=target, by=by, expected_version=version, data={"bulk": True})
        except CaseActionError as exc:
            result.failed.append((case.number, exc.messages[0]))
        else:
            result.done.append(case.number)
    return result


@transaction.atomic
def case_accept(*, case: Case, by, expected_version: int | None = None, note: str = "") -> Case:
    """签收: the department takes the case; from now the handling deadline runs."""
    now = timezone.now()
    late = bool(case.accept_deadline and now > case.accept_deadline)
    return case_transition(
        case=case, action="accept", actor=by, expected_version=expected_version, note=note,
        data={"late": late}, updates={"deadline_warned_at": None},
    )


@transaction.atomic
def case_return(*, case: Case, by, reason: str, expected_version: int | None = None) -> Case:
    """退单: the department sends the case back to the dispatcher with a reason."""
    department = case.department
    case = case_transition(
        case=case, action="return", actor=by, expected_version=expected_version, note=reason,
        data={"department": department.code if department else "", "department_name": department.name if department else ""},
    )
    text = _zh(
        lambda: _("Case %(case)s was returned by %(department)s: %(reason)s")
        % {"case": _describe(case), "department": department.name if department else "—", "reason": reason.strip()}
    )
    notification_send(users=selectors.tier_dispatchers(case=case), kind=Notification.Kind.RETURNED, case=case, text=text)
    return case


@transaction.atomic
def case_handle(*, case: Case, by, note: str, evidence_items: Sequence[CheckedEvidence], expected_version: int | None = None) -> Case:
    """处置: the department reports the result with photos; the grid workers are asked to verify."""
    if not note.strip():
        raise DispatchError(_("Describe what was done."), code="note_required")
    if not any(item.kind == "photo" for item in evidence_items):
        raise DispatchError(_("Add at least one photo of the result."), code="photo_required")
    case = case_transition(
        case=case, action="handle", actor=by, expected_version=expected_version, note=note, evidence_items=evidence_items,
    )
    _notify_verify(case)
    return case


def _notify_verify(case: Case) -> None:
    text = _zh(lambda: _("Case %(case)s was handled by %(department)s: please verify on site.") % {
        "case": _describe(case), "department": case.department.name if case.department_id else "—",
    })
    notification_send(users=selectors.case_grid_workers(case=case), kind=Notification.Kind.VERIFY_NEEDED, case=case, text=text)


@transaction.atomic
def case_close(*, case: Case, by, expected_version: int | None = None, note: str = "") -> Case:
    """结案 after a passed verification."""
    return case_transition(case=case, action="close", actor=by, expected_version=expected_version, note=note)


# --- escalation -------------------------------------------------------------------------------

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


def _escalate_locked(*, case: Case, actor, reason: str, now: dt.datetime, schedule, automatic: bool) -> Case | None:
    """Move a locked case one tier up with fresh deadlines (claim on its version)."""
    from_tier = case.tier or Tier.STREET
    to_tier = max(Tier.DISTRICT, from_tier - 1)
    accept, handle = _stage_deadlines(case, start=now, schedule=schedule)
    if not _update_case(
        case, tier=to_tier, accept_deadline=accept, handle_deadline=handle, deadline_warned_at=None,
        escalation_count=F("escalation_count") + 1,
    ):
        return None
    case.refresh_from_db(fields=["escalation_count"])
    _case_event(
        case=case, actor=actor, action="escalate", note=reason,
        data={"from_tier": from_tier, "to_tier": to_tier, "automatic": automatic, "count": case.escalation_count},
    )
    text = _zh(
        lambda: _("Case %(case)s was escalated to the %(tier)s tier (%(reason)s); accept by %(accept)s.")
        % {"case": _describe(case), "tier": Tier(to_tier).label, "reason": reason, "accept": _local(accept)}
    )
    notification_send(users=selectors.tier_dispatchers(case=case, tier=to_tier), kind=Notification.Kind.ESCALATED, case=case, text=text)
    if automatic and case.department_id and case.status in (S.DISPATCHED, S.ACCEPTED):
        # The department that let the deadline pass hears it too.
        text = _zh(lambda: _("Case %(case)s passed its deadline and was escalated to the %(tier)s tier.") % {
            "case": _describe(case), "tier": Tier(to_tier).label,
        })
        notification_send(users=selectors.department_staff(department=case.department), kind=Notification.Kind.OVERDUE, case=case, text=text)
    return case


@transaction.atomic
def case_escalate(*, case: Case, by, reason: str, expected_version: int | None = None) -> Case:
    """An officer escalates a case one tier up by hand (升级)."""
    if not reason.strip():
        raise DispatchError(_("Give a reason for escalating."), code="note_required")
    locked = _lock(case, expected_version)
    check_may_escalate(case=locked, actor=by)
    escalated = _escalate_locked(case=locked, actor=by, reason=reason.strip(), now=timezone.now(), schedule=work_schedule(), automatic=False)
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
            reason = _zh(lambda: _("deadline passed (%(deadline)s)")) % {"deadline": _local(deadline)}
            if _escalate_locked(case=case, actor=None, reason=reason, now=now, schedule=schedule, automatic=True):
                result.escalated.append(case.number)
            return
        # Top tier: nowhere to escalate; tell the district centre once per deadline.
        claimed = Case.objects.filter(pk=case.pk).filter(
            Q(deadline_warned_at__isnull=True) | Q(deadline_warned_at__lt=deadline)
        ).update(deadline_warned_at=now)
        if not claimed:
            return
        case.deadline_warned_at = now
        _case_event(case=case, actor=None, action="overdue", data={"deadline": deadline.isoformat()})
        text = _zh(lambda: _("Case %(case)s is overdue at the district tier (deadline %(deadline)s).") % {"case": _describe(case), "deadline": _local(deadline)})
        users = list(selectors.tier_dispatchers(case=case, tier=Tier.DISTRICT)) + list(selectors.department_staff(department=case.department))
        notification_send(users=users, kind=Notification.Kind.OVERDUE, case=case, text=text)
        result.overdue.append(case.number)


def _warn_case(*, case: Case, deadline: dt.datetime, now: dt.datetime, result: ScanResult) -> None:
    with transaction.atomic():
        claimed = Case.objects.filter(pk=case.pk, status=case.status, deadline_warned_at__isnull=True).update(deadline_warned_at=now)
        if not claimed:
            return
        stage = "accept" if case.status in selectors.PRE_ACCEPT else "handle"
        _case_event(case=case, actor=None, action="deadline_warning", data={"stage": stage, "deadline": deadline.isoformat()})
        if stage == "accept" and case.status != S.DISPATCHED:
            users = selectors.tier_dispatchers(case=case)
        else:
            users = selectors.department_staff(department=case.department)
        what = _zh(lambda: _("acceptance")) if stage == "accept" else _zh(lambda: _("handling"))
        text = _zh(lambda: _("Case %(case)s: the %(what)s deadline %(deadline)s is approaching.") % {"case": _describe(case), "what": what, "deadline": _local(deadline)})
        notification_send(users=users, kind=Notification.Kind.DEADLINE_WARNING, case=case, text=text)
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


# --- consultations (会商) ----------------------------------------------------------------------

def check_may_consult(*, case: Case, actor) -> None:
    role = selectors.role_of(actor)
    if role not in (R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR):
        raise DispatchError(_("Consultations are opened by the street and district centres."), code="role")
    if not path_in_scope(actor, case.region_path, verb="dispatch"):
        raise DispatchError(_("This case is outside your jurisdiction."), code="scope")
    if not case.is_open:
        raise DispatchError(_("The case is closed."), code="status")
    if case.tier not in CONSULTABLE_TIERS:
        raise DispatchError(_("Consultations are held at street or district tier; escalate the case first."), code="tier")


@transaction.atomic
def consultation_open(
    *, case: Case, by, topic: str, meeting_at: dt.datetime, location: str = "",
    departments: Sequence[Department] = (), parties: Sequence[dict] = (),
) -> Consultation:
    """Schedule a consultation on a case and invite the departments' staff."""
    case = _lock(case)
    check_may_consult(case=case, actor=by)
    clean_parties = []
    for party in parties:
        name = (party.get("name") or "").strip()
        if name:
            kind = party.get("kind") if party.get("kind") in PartyKind.values else PartyKind.OTHER
            clean_parties.append({"kind": kind, "name": name[:100]})
    if not departments and not clean_parties:
        raise DispatchError(_("Invite at least one department or other party."), code="parties")
    for department in departments:
        check_department_serves(case=case, department=department)
    consultation = Consultation(
        case=case, region_path=case.region_path, tier=case.tier, topic=topic.strip(), meeting_at=meeting_at,
        location=location.strip(), parties=clean_parties, opened_by=by,
    )
    consultation.full_clean()
    consultation.save()
    consultation.departments.set(departments)
    _case_event(
        case=case, actor=by, action="consultation", note=topic.strip(),
        data={"consultation": consultation.pk, "meeting_at": meeting_at.isoformat(), "departments": [d.code for d in departments], "parties": clean_parties},
    )
    text = _zh(lambda: _("You are invited to a consultation on case %(case)s: “%(topic)s”, %(when)s %(where)s.") % {
        "case": _describe(case), "topic": consultation.topic, "when": _local(meeting_at), "where": consultation.location,
    })
    invited = User.objects.filter(is_active=True, profile__department__in=list(departments))
    notification_send(users=invited, kind=Notification.Kind.CONSULTATION, case=case, text=text)
    return consultation


@transaction.atomic
def consultation_decide(
    *, consultation: Consultation, by, minutes: str, decision: str, decided_department: Department | None = None,
    decided_deadline: dt.datetime | None = None, actions: Sequence[dict] = (),
) -> Consultation:
    """Record the minutes, the decision and the follow-up actions; the case follows the decision
    (dispatched or reassigned to the decided department, with the decided deadline)."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.status != Consultation.Status.OPEN:
        raise DispatchError(_("This consultation already has a decision."), code="decided")
    case = Case.objects.select_related("category", "grid", "department", "department__region").get(pk=consultation.case_id)
    check_may_consult(case=case, actor=by)
    if not decision.strip():
        raise DispatchError(_("Write down the decision."), code="decision")
    if decided_deadline is not None and decided_deadline <= timezone.now():
        raise DispatchError(_("The decided deadline must be in the future."), code="deadline")
    follow = ""
    if decided_department is not None:
        check_department_serves(case=case, department=decided_department)
        if case.status in (S.REGISTERED, S.RETURNED) or (case.status == S.DISPATCHED and decided_department.pk != case.department_id):
            follow = "dispatch"
        elif decided_department.pk != case.department_id:
            raise DispatchError(
                _("The case is “%(status)s” with %(department)s; it can only be sent to another department before it is accepted.")
                % {"status": Case.Status(case.status).label, "department": case.department.name if case.department_id else "—"},
                code="status",
            )
    if decided_deadline is not None and not follow and case.status not in selectors.QUEUE_STATUSES:
        raise DispatchError(_("The case is closed; its deadline cannot change."), code="status")
    clean_actions = []
    for item in actions:
        description, owner, deadline = (item.get("description") or "").strip(), (item.get("owner") or "").strip(), item.get("deadline")
        if not (description or owner or deadline):
            continue
        if not (description and owner and deadline):
            raise DispatchError(_("Each follow-up action needs a description, an owner and a deadline."), code="actions")
        clean_actions.append(ConsultationAction(consultation=consultation, description=description[:200], owner=owner[:64], deadline=deadline))
    now = timezone.now()
    consultation.minutes, consultation.decision = minutes.strip(), decision.strip()
    consultation.decided_department, consultation.decided_deadline = decided_department, decided_deadline
    consultation.decided_at, consultation.decided_by, consultation.status = now, by, Consultation.Status.DECIDED
    consultation.save(update_fields=["minutes", "decision", "decided_department", "decided_deadline", "decided_at", "decided_by", "status", "updated_at"])
    ConsultationAction.objects.bulk_create(clean_actions)
    _case_event(
        case=case, actor=by, action="consultation_decision", note=consultation.decision,
        data={
            "consultation": consultation.pk,
            "department": decided_department.code if decided_department else "",
            "deadline": decided_deadline.isoformat() if decided_deadline else "",
            "actions": [{"description": a.description, "owner": a.owner, "deadline": a.deadline.isoformat()} for a in clean_actions],
        },
    )
    if follow == "dispatch":
        case_dispatch(
            case=case, department=decided_department, by=by,
            note=_zh(lambda: _("Per consultation decision: %(decision)s")) % {"decision": consultation.decision[:200]},
            handle_deadline=decided_deadline, data={"consultation": consultation.pk},
        )
    elif decided_deadline is not None:
        locked = _lock(case)
        _update_case(locked, handle_deadline=decided_deadline, deadline_warned_at=None)
    return consultation


def consultation_action_done(*, action: ConsultationAction, by) -> None:
    ConsultationAction.objects.filter(pk=action.pk, done_at__isnull=True).update(done_at=timezone.now())


# --- rectification notices (限期整改通知书) --------------------------------------------------------

def _notice_prefix(department: Department) -> str:
    top = department.parent if department.parent_id else department
    return department.notice_prefix or top.notice_prefix or f"禅城{top.short_name[:2]}限改"


def _next_notice_number(*, department: Department, year: int) -> str:
    prefix = _notice_prefix(department)
    key = f"{prefix}-{year}"
    counter, _created = NumberCounter.objects.select_for_update().get_or_create(key=key)
    NumberCounter.objects.filter(pk=counter.pk).update(value=F("value") + 1)
    counter.refresh_from_db(fields=["value"])
    return f"{prefix}〔{year}〕第{counter.value:04d}号"


def check_department_actor(*, case: Case, actor) -> Department:
    profile = getattr(actor, "profile", None)
    department = getattr(profile, "department", None)
    if profile is None or profile.role != R.DEPARTMENT_STAFF or department is None:
        raise DispatchError(_("Only the department's staff can do this."), code="role")
    if case.department_id is None or (case.department_id != department.pk and case.department.parent_id != department.pk):
        raise DispatchError(_("This case is not assigned to your department."), code="department")
    if not path_in_scope(actor, case.region_path):
        raise DispatchError(_("This case is outside your jurisdiction."), code="scope")
    return department


@transaction.atomic
def notice_issue(
    *, case: Case, by, party_name: str, party_address: str, finding: str, legal_basis: str, requirement: str,
    deadline: dt.date, party_code: str = "",
) -> RectificationNotice:
    """Issue a numbered rectification notice on an accepted case; the follow-up check is due at its deadline."""
    case = _lock(case)
    check_department_actor(case=case, actor=by)
    if case.status != S.ACCEPTED:
        raise DispatchError(_("A rectification notice is issued while the case is being handled (after accepting it)."), code="status")
    if deadline <= timezone.localdate():
        raise DispatchError(_("The rectification deadline must be after today."), code="deadline")
    party_code = party_code.strip().upper()
    if party_code:
        from stdnum.cn import uscc
        from stdnum.exceptions import ValidationError as StdnumError

        try:
            party_code = uscc.validate(party_code)
        except StdnumError:
            raise DispatchError(_("“%(code)s” is not a valid unified social credit code.") % {"code": party_code}, code="party_code") from None
    issuer = case.department
    notice = RectificationNotice(
        number=_next_notice_number(department=issuer, year=timezone.localdate().year),
        case=case, department=issuer, region_path=case.region_path, party_name=party_name.strip(), party_code=party_code,
        party_address=party_address.strip(), finding=finding.strip(), legal_basis=legal_basis.strip(), requirement=requirement.strip(),
        deadline=deadline, issued_by=by,
    )
    notice.full_clean()
    notice.save()
    _case_event(
        case=case, actor=by, action="rectification_notice", note=notice.number,
        data={"notice": notice.pk, "number": notice.number, "party": notice.party_name, "deadline": deadline.isoformat()},
    )
    return notice


def notices_followup_scan(*, today: dt.date | None = None) -> list[str]:
    """At a notice's deadline the follow-up check (复查) falls due: tell the issuing unit once."""
    today = today or timezone.localdate()
    due = []
    for notice in RectificationNotice.objects.filter(status=RectificationNotice.Status.ISSUED, followup_notified_at__isnull=True, deadline__lte=today).select_related("case", "case__category", "case__grid", "department"):
        with transaction.atomic():
            if not RectificationNotice.objects.filter(pk=notice.pk, followup_notified_at__isnull=True).update(followup_notified_at=timezone.now()):
                continue
            _case_event(case=notice.case, actor=None, action="followup_due", note=notice.number, data={"notice": notice.pk})
            text = _zh(lambda: _("Rectification notice %(number)s (%(party)s) reached its deadline %(deadline)s: do the follow-up check.") % {
                "number": notice.number, "party": notice.party_name, "deadline": notice.deadline.isoformat(),
            })
            notification_send(users=selectors.department_staff(department=notice.department), kind=Notification.Kind.FOLLOW_UP, case=notice.case, text=text)
            due.append(notice.number)
    return due


@transaction.atomic
def notice_followup_record(
    *, notice: RectificationNotice, by, complied: bool, note: str, evidence_items: Sequence[CheckedEvidence] = (),
) -> RectificationNotice:
    """The follow-up check's result: rectified → the department reports the case handled;
    not rectified → the case is escalated one tier."""
    notice = RectificationNotice.objects.select_for_update().select_related("case").get(pk=notice.pk)
    if notice.status != RectificationNotice.Status.ISSUED:
        raise DispatchError(_("The follow-up check of this notice is already recorded."), code="done")
    case = Case.objects.select_related("category", "grid", "department").get(pk=notice.case_id)
    check_department_actor(case=case, actor=by)
    if not note.strip():
        raise DispatchError(_("Describe what the follow-up check found."), code="note_required")
    if complied and not any(item.kind == "photo" for item in evidence_items):
        raise DispatchError(_("Add at least one photo of the rectified site."), code="photo_required")
    notice.status = RectificationNotice.Status.COMPLIED if complied else RectificationNotice.Status.NOT_COMPLIED
    notice.followup_at, notice.followup_by, notice.followup_note = timezone.now(), by, note.strip()
    notice.save(update_fields=["status", "followup_at", "followup_by", "followup_note", "updated_at"])
    _case_event(case=case, actor=by, action="rectification_checked", note=note.strip(), data={"notice": notice.pk, "number": notice.number, "complied": complied})
    if complied:
        if case.status == S.ACCEPTED:
            case_handle(case=case, by=by, note=_zh(lambda: _("Rectified per notice %(number)s: %(note)s")) % {"number": notice.number, "note": note.strip()}, evidence_items=evidence_items)
    elif case.status in ESCALATABLE and (case.tier or Tier.STREET) > Tier.DISTRICT:
        locked = _lock(case)
        reason = _zh(lambda: _("not rectified by the deadline of notice %(number)s")) % {"number": notice.number}
        _escalate_locked(case=locked, actor=by, reason=reason, now=timezone.now(), schedule=work_schedule(), automatic=False)
    else:
        text = _zh(lambda: _("Notice %(number)s was not complied with; case %(case)s needs the district centre.") % {"number": notice.number, "case": _describe(case)})
        notification_send(users=selectors.tier_dispatchers(case=case, tier=Tier.DISTRICT), kind=Notification.Kind.OVERDUE, case=case, text=text)
    return notice


# --- working calendar -------------------------------------------------------------------------

@transaction.atomic
def calendar_override_set(*, date: dt.date, is_working_day: bool, reason: str) -> CalendarOverride:
    """Enter (or change) one day of the working calendar; takes effect at once (routing.work_schedule)."""
    override, _created = CalendarOverride.objects.select_for_update().get_or_create(
        date=date, defaults={"is_working_day": is_working_day, "reason": reason}
    )
    if (override.is_working_day, override.reason) != (is_working_day, reason):
        override.is_working_day, override.reason = is_working_day, reason
        override.full_clean()
        override.save(update_fields=["is_working_day", "reason", "updated_at"])
    return override


# --- routing rules: .xlsx import / export -----------------------------------------------------

RULE_COLUMNS = [
    # (key, Chinese header on export; import takes either)
    ("category", "小类代码"),
    ("category_name", "小类名称"),
    ("region", "区域代码"),
    ("region_name", "区域名称"),
    ("tier", "处置层级"),
    ("department", "责任部门代码"),
    ("department_name", "责任部门"),
    ("urgency", "紧急程度"),
    ("accept_limit", "签收时限"),
    ("accept_unit", "签收时限单位"),
    ("handle_limit", "处置时限"),
    ("handle_unit", "处置时限单位"),
    ("is_active", "启用"),
]
RULE_REQUIRED = ("category", "tier", "department", "accept_limit", "accept_unit", "handle_limit", "handle_unit")
TIER_KEYS = {"grid": Tier.GRID, "village": Tier.VILLAGE, "street": Tier.STREET, "district": Tier.DISTRICT}
TIER_LABELS_ZH = {Tier.GRID: "网格", Tier.VILLAGE: "村居", Tier.STREET: "镇街", Tier.DISTRICT: "区"}
UNIT_LABELS_ZH = {DeadlineUnit.WORKING_HOURS: "工作小时", DeadlineUnit.WORKING_DAYS: "工作日"}
URGENCY_LABELS_ZH = {"low": "一般", "normal": "普通", "urgent": "紧急", "critical": "特急"}
MAX_RULE_ROWS = 10000


@dataclass
class RuleError:
    row: int | None  # None: the file as a whole
    column: str
    message: str


@dataclass
class RuleImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RuleError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_choice(text: str, mapping: dict, labels: dict):
    if text.lower() in mapping:
        return mapping[text.lower()]
    for key, label in labels.items():
        if text == label or text == str(getattr(key, "label", "")):
            return key
    raise ValueError


def rules_parse(*, rows: Iterable[dict]) -> tuple[list[dict], list[RuleError]]:
    """Validate raw rows ({column key: cell}); returns clean rows and every error (row + column)."""
    categories = {c.code: c for c in CaseCategory.objects.filter(parent__isnull=False)}
    regions = {r.code: r for r in Region.objects.filter(level__gt=Region.Level.DISTRICT).only("id", "code", "name", "path", "level")}
    departments = {d.code: d for d in Department.objects.all()}
    clean, errors, seen = [], [], {}
    tier_labels = {t: TIER_LABELS_ZH[t] for t in Tier}
    for number, raw in rows:
        row_errors = []

        def err(column, message):
            row_errors.append(RuleError(number, dict(RULE_COLUMNS).get(column, column), message))

        code = _cell_text(raw.get("category"))
        if code.isdigit() and len(code) < 4:
            code = code.zfill(4)  # Excel turns 0101 into 101
        category = categories.get(code)
        if not code:
            err("category", _("The category code is empty."))
        elif category is None:
            err("category", _("There is no sub-class with the code “%(code)s”.") % {"code": code})
        region_code = _cell_text(raw.get("region"))
        region = None
        if region_code:
            region = regions.get(region_code)
            if region is None:
                err("region", _("There is no street, village or grid with the code “%(code)s” (leave it empty for the district-wide default).") % {"code": region_code})
        tier_text = _cell_text(raw.get("tier"))
        try:
            tier = _parse_choice(tier_text, TIER_KEYS, tier_labels)
        except ValueError:
            tier = None
            err("tier", _("“%(value)s” is not a tier; use one of: %(choices)s.") % {"value": tier_text, "choices": "、".join(tier_labels.values())})
        dept_code = _cell_text(raw.get("department")).upper()
        department = departments.get(dept_code)
        if not dept_code:
            err("department", _("The department code is empty."))
        elif department is None:
            err("department", _("There is no department with the code “%(code)s”.") % {"code": dept_code})
        elif department.parent_id is not None:
            err("department", _("“%(code)s” is a street unit; name its district department (%(parent)s) — the unit is found from the case's street.") % {"code": dept_code, "parent": department.parent.code})
        urgency_text = _cell_text(raw.get("urgency"))
        urgency = ""
        if urgency_text:
            try:
                urgency = _parse_choice(urgency_text, {u: u for u in Urgency.values}, URGENCY_LABELS_ZH)
            except ValueError:
                err("urgency", _("“%(value)s” is not an urgency; use one of: %(choices)s.") % {"value": urgency_text, "choices": "、".join(URGENCY_LABELS_ZH.values())})
        limits = {}
        for key in ("accept", "handle"):
            limit_text = _cell_text(raw.get(f"{key}_limit"))
            try:
                amount = Decimal(limit_text)
                if not amount.is_finite() or amount <= 0 or amount >= 10000:
                    raise InvalidOperation
                limits[f"{key}_limit"] = amount.quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                err(f"{key}_limit", _("“%(value)s” is not a time limit (a number greater than zero).") % {"value": limit_text})
            unit_text = _cell_text(raw.get(f"{key}_unit"))
            try:
                limits[f"{key}_unit"] = _parse_choice(unit_text, {u: u for u in DeadlineUnit.values}, UNIT_LABELS_ZH)
            except ValueError:
                err(f"{key}_unit", _("“%(value)s” is not a time unit; use %(choices)s.") % {"value": unit_text, "choices": "、".join(UNIT_LABELS_ZH.values())})
        active_text = _cell_text(raw.get("is_active")).lower()
        if active_text in ("", "1", "true", "yes", "是", "启用"):
            is_active = True
        elif active_text in ("0", "false", "no", "否", "停用"):
            is_active = False
        else:
            is_active = True
            err("is_active", _("“%(value)s” is not yes/no.") % {"value": active_text})
        if category is not None:
            key = (category.pk, region.pk if region else None)
            if key in seen:
                err("region", _("Row %(row)s already has a rule for this category and region.") % {"row": seen[key]})
            else:
                seen[key] = number
        if row_errors:
            errors.extend(row_errors)
            continue
        clean.append({"category": category, "region": region, "tier": tier, "department": department, "urgency": urgency, "is_active": is_active, **limits})
    return clean, errors


def rules_read_xlsx(file) -> list[tuple[int, dict]]:
    """Rows of an uploaded .xlsx as (row number, {column key: value}); raises ValueError for a bad file."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:
        raise ValueError(_("The file is not an .xlsx workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        lookup = {k: k for k, _label in RULE_COLUMNS} | {label: k for k, label in RULE_COLUMNS}
        keys = [lookup.get(_cell_text(v)) for v in header]
        missing = [label for key, label in RULE_COLUMNS if key in RULE_REQUIRED and key not in keys]
        if missing:
            raise ValueError(_("The first row must be the column headers; missing: %(columns)s.") % {"columns": "、".join(missing)})
        out = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_RULE_ROWS + 1:
                raise ValueError(_("The file has more than %(n)s rows.") % {"n": MAX_RULE_ROWS})
            if values is None or all(_cell_text(v) == "" for v in values):
                continue
            out.append((number, {key: value for key, value in zip(keys, values) if key}))
    finally:
        workbook.close()
    if not out:
        raise ValueError(_("The file contains no rules."))
    return out


@transaction.atomic
def rules_import(*, rows: Iterable[tuple[int, dict]]) -> RuleImportResult:
    """Apply routing rules: the whole file or nothing. Rules are matched on (category, region);
    rules not in the file are left as they are (deactivate with 启用 = 否)."""
    clean, errors = rules_parse(rows=rows)
    if errors:
        return RuleImportResult(errors=errors)
    result = RuleImportResult()
    # No ordering: Meta.ordering joins the (nullable) region, and PostgreSQL refuses FOR UPDATE on an outer join.
    existing = {(r.category_id, r.region_id): r for r in RoutingRule.objects.select_for_update().order_by()}
    fields = ("tier", "department", "urgency", "accept_limit", "accept_unit", "handle_limit", "handle_unit", "is_active")
    for row in clean:
        rule = existing.get((row["category"].pk, row["region"].pk if row["region"] else None))
        if rule is None:
            rule = RoutingRule(category=row["category"], region=row["region"], **{f: row[f] for f in fields})
            rule.full_clean(validate_unique=False)
            rule.save()
            result.created += 1
            continue
        changed = [f for f in fields if getattr(rule, f) != row[f]]
        if not changed:
            result.unchanged += 1
            continue
        for f in changed:
            setattr(rule, f, row[f])
        rule.full_clean(validate_unique=False)
        rule.save(update_fields=[*changed, "updated_at"])
        result.updated += 1
    return result


def rules_import_xlsx(*, file) -> RuleImportResult:
    try:
        rows = rules_read_xlsx(file)
    except ValueError as exc:
        return RuleImportResult(errors=[RuleError(None, "", str(exc))])
    return rules_import(rows=rows)


def rules_import_category_file(*, path) -> RuleImportResult:
    """Default rules from the category file (cases/data/categories.json): one district-wide rule
    per sub-class with its tier, department, acceptance hours and handling limit."""
    from cases.categories import CategoryFileError, subcategory_rows

    try:
        source = list(subcategory_rows(path))
    except CategoryFileError as exc:
        return RuleImportResult(errors=[RuleError(None, "", str(exc))])
    rows = []
    for number, row in enumerate(source, start=1):
        rows.append((number, {
            "category": row["code"], "tier": row.get("tier") or "", "department": row.get("department") or "",
            "urgency": row.get("urgency") or "", "accept_limit": row.get("accept_hours"), "accept_unit": DeadlineUnit.WORKING_HOURS,
            "handle_limit": row.get("handle_limit"), "handle_unit": row.get("handle_unit") or "", "is_active": "是" if row.get("is_active", True) else "否",
        }))
    return rules_import(rows=rows)


def rules_export_xlsx() -> bytes:
    """Every rule as an .xlsx the importer takes back unchanged."""
    import xlsxwriter

    buf = io.BytesIO()
    workbook = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = workbook.add_worksheet("路由规则")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, [label for _key, label in RULE_COLUMNS], bold)
    text = workbook.add_format({"num_format": "@"})
    for i, rule in enumerate(selectors.rule_list(), start=1):
        values = {
            "category": rule.category.code, "category_name": rule.category.name,
            "region": rule.region.code if rule.region_id else "", "region_name": rule.region.name if rule.region_id else "",
            "tier": TIER_LABELS_ZH[Tier(rule.tier)], "department": rule.department.code, "department_name": rule.department.name,
            "urgency": URGENCY_LABELS_ZH.get(rule.urgency, ""), "accept_limit": float(rule.accept_limit),
            "accept_unit": UNIT_LABELS_ZH[DeadlineUnit(rule.accept_unit)], "handle_limit": float(rule.handle_limit),
            "handle_unit": UNIT_LABELS_ZH[DeadlineUnit(rule.handle_unit)], "is_active": "是" if rule.is_active else "否",
        }
        for j, (key, _label) in enumerate(RULE_COLUMNS):
            value = values[key]
            if key in ("category", "region", "department"):
                sheet.write_string(i, j, value, text)
            else:
                sheet.write(i, j, value)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 20)
    sheet.set_column(2, 3, 16)
    sheet.set_column(6, 6, 26)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buf.getvalue()


def routing_export_provider(codes: list[str]) -> dict[str, dict]:
    """For cases.categories.ROUTING_EXPORT_PROVIDERS: the default rule's columns per category code."""
    out = {}
    for rule in RoutingRule.objects.filter(region__isnull=True, category__code__in=codes).select_related("category", "department"):
        hours = rule.accept_limit if rule.accept_unit == DeadlineUnit.WORKING_HOURS else rule.accept_limit * 7
        out[rule.category.code] = {
            "tier": {v: k for k, v in TIER_KEYS.items()}[Tier(rule.tier)], "department": rule.department.code,
            "accept_hours": float(hours), "handle_limit": float(rule.handle_limit), "handle_unit": rule.handle_unit,
        }
    return out
