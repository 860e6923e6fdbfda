"""Dispatch transitions: dispatch (派遣) and reassign (改派), accept (签收), return (退单),
handle (处置) and close (结案), with their deadlines and messages. Every change of status
goes through cases.services.case_transition (row lock, version check, timeline event)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, PendingUpload
from cases.services import _consume_pending as consume_pending  # noqa: PLC2701 - the form-upload mechanism
from cases.services import _pending_checked as pending_checked  # noqa: PLC2701
from cases.services import case_transition, CaseActionError, CheckedEvidence

from . import selectors
from .models import DeadlineUnit, Department
from .notifications import NotificationKind, notification_send
from .routing import deadlines_for, rule_for, unit_for, work_schedule
from .timeline import describe, DispatchError, in_zh, local_text

S = Case.Status

# Deadlines for a case whose category has no rule (routing_check reports those).
FALLBACK_ACCEPT = (Decimal(2), DeadlineUnit.WORKING_HOURS)
FALLBACK_HANDLE = (Decimal(5), DeadlineUnit.WORKING_DAYS)


def _notify_dispatched(case: Case) -> None:
    text = in_zh(
        lambda: _("New case %(case)s dispatched to %(department)s: accept by %(accept)s, handle by %(handle)s.")
        % {"case": describe(case), "department": case.department.name, "accept": local_text(case.accept_deadline), "handle": local_text(case.handle_deadline)}
    )
    notification_send(users=selectors.department_staff(department=case.department), kind=NotificationKind.DISPATCHED, case=case, text=text)


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


def stage_deadlines(case: Case, *, start: dt.datetime, schedule=None) -> tuple[dt.datetime, dt.datetime]:
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
    accept, handle = stage_deadlines(case, start=now)
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
    text = in_zh(
        lambda: _("Case %(case)s was returned by %(department)s: %(reason)s")
        % {"case": describe(case), "department": department.name if department else "—", "reason": reason.strip()}
    )
    notification_send(users=selectors.tier_dispatchers(case=case), kind=NotificationKind.RETURNED, case=case, text=text)
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


def case_handle_submit(*, case: Case, by, note: str, form_uuid, expected_version: int | None = None) -> Case:
    """The handling form: 处置 with the photos uploaded for this form (previewed on the page, kept
    across a form error). A double submit of the same form returns the case it already handled."""
    pendings = list(PendingUpload.objects.filter(user=by, form_uuid=form_uuid, slot=PendingUpload.Slot.ACTION))
    fresh = Case.objects.filter(pk=case.pk).only("status", "version").first()
    if fresh is not None and expected_version is not None and fresh.status == S.HANDLED and fresh.version == expected_version + 1 and not pendings:
        last = case.events.order_by("-at", "-id").first()
        if last is not None and last.action == "handle" and last.actor_id == getattr(by, "pk", None):
            return Case.objects.get(pk=case.pk)  # this person's own earlier submit of the same form
    with transaction.atomic():
        case = case_handle(case=case, by=by, note=note, evidence_items=pending_checked(pendings), expected_version=expected_version)
        consume_pending(pendings)
    return case


def _notify_verify(case: Case) -> None:
    text = in_zh(lambda: _("Case %(case)s was handled by %(department)s: please verify on site.") % {
        "case": describe(case), "department": case.department.name if case.department_id else "—",
    })
    notification_send(users=selectors.case_grid_workers(case=case), kind=NotificationKind.VERIFY_NEEDED, case=case, text=text)


@transaction.atomic
def case_close(*, case: Case, by, expected_version: int | None = None, note: str = "") -> Case:
    """结案 after a passed verification."""
    return case_transition(case=case, action="close", actor=by, expected_version=expected_version, note=note)
