"""Rectification notices (限期整改通知书): issued by a department on a case, numbered per
department and year, followed up when their deadline comes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Tier
from cases.services import CheckedEvidence
from grids.models import StaffProfile
from grids.scoping import path_in_scope

from . import selectors
from .escalation import ESCALATABLE, escalate_locked
from .models import Department, NumberCounter, RectificationNotice
from .notifications import NotificationKind, notification_send
from .routing import work_schedule
from .timeline import describe, DispatchError, in_zh, lock_case, record_event
from .transitions import case_handle

S = Case.Status
R = StaffProfile.Role

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
    case = lock_case(case)
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
    record_event(
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
            record_event(case=notice.case, actor=None, action="followup_due", note=notice.number, data={"notice": notice.pk})
            text = in_zh(lambda: _("Rectification notice %(number)s (%(party)s) reached its deadline %(deadline)s: do the follow-up check.") % {
                "number": notice.number, "party": notice.party_name, "deadline": notice.deadline.isoformat(),
            })
            notification_send(users=selectors.department_staff(department=notice.department), kind=NotificationKind.FOLLOW_UP, case=notice.case, text=text)
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
    record_event(case=case, actor=by, action="rectification_checked", note=note.strip(), data={"notice": notice.pk, "number": notice.number, "complied": complied})
    if complied:
        if case.status == S.ACCEPTED:
            case_handle(case=case, by=by, note=in_zh(lambda: _("Rectified per notice %(number)s: %(note)s")) % {"number": notice.number, "note": note.strip()}, evidence_items=evidence_items)
    elif case.status in ESCALATABLE and (case.tier or Tier.STREET) > Tier.DISTRICT:
        locked = lock_case(case)
        reason = in_zh(lambda: _("not rectified by the deadline of notice %(number)s")) % {"number": notice.number}
        escalate_locked(case=locked, actor=by, reason=reason, now=timezone.now(), schedule=work_schedule(), automatic=False)
    else:
        text = in_zh(lambda: _("Notice %(number)s was not complied with; case %(case)s needs the district centre.") % {"number": notice.number, "case": describe(case)})
        notification_send(users=selectors.tier_dispatchers(case=case, tier=Tier.DISTRICT), kind=NotificationKind.OVERDUE, case=case, text=text)
    return notice
