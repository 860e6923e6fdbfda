"""Consultations (会商): opened by the street and district centres on a case at street or
district tier, decided with actions for the departments invited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Tier
from grids.models import StaffProfile
from grids.scoping import path_in_scope

from . import selectors
from .models import Consultation, ConsultationAction, Department, PartyKind
from .notifications import NotificationKind, notification_send
from .timeline import describe, DispatchError, in_zh, local_text, lock_case, record_event, update_locked_case
from .transitions import case_dispatch, check_department_serves

S = Case.Status
R = StaffProfile.Role
User = get_user_model()

CONSULTABLE_TIERS = (Tier.STREET, Tier.DISTRICT)


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
    case = lock_case(case)
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
    record_event(
        case=case, actor=by, action="consultation", note=topic.strip(),
        data={"consultation": consultation.pk, "meeting_at": meeting_at.isoformat(), "departments": [d.code for d in departments], "parties": clean_parties},
    )
    text = in_zh(lambda: _("You are invited to a consultation on case %(case)s: “%(topic)s”, %(when)s %(where)s.") % {
        "case": describe(case), "topic": consultation.topic, "when": local_text(meeting_at), "where": consultation.location,
    })
    invited = User.objects.filter(is_active=True, profile__department__in=list(departments))
    notification_send(users=invited, kind=NotificationKind.CONSULTATION, case=case, text=text)
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
    record_event(
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
            note=in_zh(lambda: _("Per consultation decision: %(decision)s")) % {"decision": consultation.decision[:200]},
            handle_deadline=decided_deadline, data={"consultation": consultation.pk},
        )
    elif decided_deadline is not None:
        locked = lock_case(case)
        update_locked_case(locked, handle_deadline=decided_deadline, deadline_warned_at=None)
    return consultation


def consultation_action_done(*, action: ConsultationAction, by) -> None:
    ConsultationAction.objects.filter(pk=action.pk, done_at__isnull=True).update(done_at=timezone.now())
