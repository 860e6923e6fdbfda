"""Dispatch pages. Views do HTTP only: authenticate, bind a form, call one service or
selector, render or redirect. Rules live in dispatch.services, reads in dispatch.selectors."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.models import Case, PendingUpload
from cases.selectors import pending_uploads_for
from cases.services import CaseActionError, CaseConflict, Upload, evidence_check, pending_upload_stash
from core.decorators import role_required
from grids.models import StaffProfile

from . import forms, selectors, services
from .models import Consultation, RectificationNotice

R = StaffProfile.Role
S = Case.Status
DISPATCHERS = (R.VILLAGE_STAFF, R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR)
OFFICERS = (R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR)
RULE_ADMINS = (R.DISTRICT_OFFICER, R.ADMINISTRATOR)
ALL_ROLES = tuple(R.values)


def _next(request, default: str) -> str:
    """The page to come back to after an action (the workbench with its filters), only if it is
    on this site; anything else falls back to `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _back_query(request) -> str:
    """"?next=<this list with its filters>" for the links of a list's rows, so every action from a
    row comes back to the same filtered list; "" for the unfiltered list (the actions' default)."""
    return "?" + urlencode({"next": request.get_full_path()}) if request.GET else ""


def _error_response(request, template: str, context: dict, exc: CaseActionError):
    context["error"] = " ".join(exc.messages)
    return render(request, template, context, status=409 if isinstance(exc, CaseConflict) or exc.code == "illegal_transition" else 200)


def _case_context(request, case: Case, **extra) -> dict:
    now = timezone.now()
    return {
        "case": selectors.mark_deadline(case, now=now),
        "events": selectors.case_events(case=case),
        "now": now,
        "next": _next(request, ""),
        **extra,
    }


# --- dispatcher workbench ---------------------------------------------------------------------

@role_required(*DISPATCHERS)
@require_http_methods(["GET", "POST"])
def workbench(request):
    """The queue at my tier in my jurisdiction; bulk dispatch posts back here."""
    regions, categories, departments = forms.queue_filter_sources(request.user)
    filter_form = forms.QueueFilterForm(request.GET or None, user=request.user, regions=regions, categories=categories, departments=departments)
    bulk_form = forms.BulkDispatchForm(request.POST or None, departments=departments)
    if request.method == "POST" and bulk_form.is_valid():
        items = bulk_form.cleaned_data["cases"]
        versions = dict(items)
        found = {c.number: c for c in selectors.dispatcher_cases(user=request.user).filter(number__in=list(versions)).select_related("category", "grid", "department")}
        code = bulk_form.cleaned_data["department"]
        department = next((d for d in departments if d.code == code), None) if code else None
        result = services.case_dispatch_bulk(
            items=[(found[n], versions[n]) for n in versions if n in found], department=department, by=request.user,
        )
        result.failed += [(n, _("Not found, or outside your jurisdiction.")) for n in versions if n not in found]
        if result.done:
            messages.success(request, _("Dispatched %(n)s cases: %(numbers)s.") % {"n": len(result.done), "numbers": "、".join(result.done)})
        for number, reason in result.failed:
            messages.error(request, _("%(number)s was not dispatched: %(reason)s") % {"number": number, "reason": reason})
        return redirect(request.get_full_path())
    filters = filter_form.filters()
    page = selectors.dispatcher_queue(user=request.user, filters=filters, cursor=request.GET.get("after", ""))
    query = request.GET.copy()
    query.pop("after", None)
    ticked = set(request.POST.getlist("cases")) if request.method == "POST" else set()
    return render(request, "dispatch/workbench.html", {
        "form": filter_form, "bulk_form": bulk_form, "page": page, "query": query.urlencode(), "ticked": ticked,
        "tier": filters.tier or "",
        # Every action from a row comes back here, to this list with its filters (a checked `next`);
        # the unfiltered list is where the actions come back to anyway.
        "back": _back_query(request),
    })


@role_required(*DISPATCHERS)
def counters(request):
    """The workbench counters, refreshed by htmx without reloading the page."""
    tier = request.GET.get("tier", "")
    tier = int(tier) if tier.isdigit() and int(tier) in dict(selectors.tier_choices(request.user)) else None
    return render(request, "dispatch/_counters.html", {"counts": selectors.dispatcher_counters(user=request.user, tier=tier), "tier": tier or ""})


# --- dispatcher actions on one case -----------------------------------------------------------

@role_required(*DISPATCHERS)
@require_http_methods(["GET", "POST"])
def case_dispatch(request, number: str):
    """派遣 / 改派 with the rule's suggestion pre-selected."""
    case = selectors.case_for_dispatcher(user=request.user, number=number)
    suggestion = selectors.suggested_department(case=case)
    context = _case_context(request, case, suggestion=suggestion)
    if case.status not in (S.REGISTERED, S.RETURNED, S.DISPATCHED):
        context["error"] = _("This case is now “%(status)s”, so it cannot be dispatched.") % {"status": case.get_status_display()}
        return render(request, "dispatch/case_dispatch.html", context, status=409)
    if request.method == "POST":
        form = forms.DispatchForm(request.POST, case=case)
        if form.is_valid():
            try:
                case = services.case_dispatch(
                    case=case, department=form.cleaned_data["department"], by=request.user,
                    expected_version=form.cleaned_data["expected_version"], note=form.cleaned_data["note"],
                )
            except CaseActionError as exc:
                if exc.code.startswith("department") or exc.code == "same_department":
                    form.add_error("department", exc.messages)
                else:
                    context["form"] = form
                    return _error_response(request, "dispatch/case_dispatch.html", context, exc)
            else:
                messages.success(request, _("Case %(number)s dispatched to %(department)s.") % {"number": case.number, "department": case.department.name})
                return redirect(_next(request, reverse("dispatch:workbench")))
    else:
        initial = suggestion.pk if suggestion and (case.status != S.DISPATCHED or suggestion.pk != case.department_id) else None
        form = forms.DispatchForm(initial={"department": initial, "expected_version": case.version}, case=case)
    context["form"] = form
    return render(request, "dispatch/case_dispatch.html", context)


@role_required(*DISPATCHERS)
@require_http_methods(["GET", "POST"])
def case_escalate(request, number: str):
    case = selectors.case_for_dispatcher(user=request.user, number=number)
    context = _case_context(request, case, title=_("Escalate"), button=_("Escalate one tier"))
    form = forms.ReasonForm(request.POST or None, initial={"expected_version": case.version})
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_escalate(case=case, by=request.user, reason=form.cleaned_data["note"], expected_version=form.cleaned_data["expected_version"])
        except CaseActionError as exc:
            return _error_response(request, "dispatch/case_action.html", context, exc)
        messages.success(request, _("Case %(number)s escalated to the %(tier)s tier.") % {"number": case.number, "tier": case.get_tier_display()})
        return redirect(_next(request, reverse("dispatch:workbench")))
    return render(request, "dispatch/case_action.html", context)


@role_required(*DISPATCHERS)
@require_http_methods(["GET", "POST"])
def case_close(request, number: str):
    case = selectors.case_for_dispatcher(user=request.user, number=number)
    context = _case_context(request, case, title=_("Close the case"), button=_("Close the case"))
    form = forms.NoteForm(request.POST or None, initial={"expected_version": case.version})
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_close(case=case, by=request.user, expected_version=form.cleaned_data["expected_version"], note=form.cleaned_data["note"])
        except CaseActionError as exc:
            return _error_response(request, "dispatch/case_action.html", context, exc)
        messages.success(request, _("Case %(number)s closed.") % {"number": case.number})
        return redirect(_next(request, reverse("dispatch:workbench")))
    return render(request, "dispatch/case_action.html", context)


# --- department workbench and actions ---------------------------------------------------------

@role_required(R.DEPARTMENT_STAFF)
def department_workbench(request):
    tab = request.GET.get("tab", "to_accept")
    if tab not in selectors.DEPARTMENT_TABS:
        tab = "to_accept"
    page = selectors.department_queue(user=request.user, tab=tab, cursor=request.GET.get("after", ""))
    return render(request, "dispatch/department_workbench.html", {
        "page": page, "tab": tab, "department": request.user.profile.department,
        "counts": selectors.department_counters(user=request.user), "tabs": selectors.DEPARTMENT_TAB_LABELS,
        "back": _back_query(request),
    })


@role_required(R.DEPARTMENT_STAFF, *DISPATCHERS)
def case_page(request, number: str):
    """A case as dispatch sees it: summary, deadlines, timeline, notices, consultations, my actions."""
    case = selectors.case_for_actor(user=request.user, number=number)
    return render(request, "dispatch/case.html", _case_context(
        request, case, actions=selectors.dispatch_actions(case=case, user=request.user, next_url=_next(request, "")),
        **selectors.case_dispatch_extras(case=case, user=request.user),
    ))


@role_required(R.DEPARTMENT_STAFF)
@require_http_methods(["GET", "POST"])
def case_accept(request, number: str):
    case = selectors.case_for_department(user=request.user, number=number)
    context = _case_context(request, case, title=_("Accept the case"), button=_("Accept"))
    form = forms.NoteForm(request.POST or None, initial={"expected_version": case.version})
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_accept(case=case, by=request.user, expected_version=form.cleaned_data["expected_version"], note=form.cleaned_data["note"])
        except CaseActionError as exc:
            return _error_response(request, "dispatch/case_action.html", context, exc)
        messages.success(request, _("Case %(number)s accepted; handle it by %(deadline)s.") % {
            "number": case.number, "deadline": timezone.localtime(case.handle_deadline).strftime("%Y-%m-%d %H:%M") if case.handle_deadline else "—",
        })
        # On to the case (its handling comes next), still carrying the list to come back to.
        return redirect(selectors.with_next(reverse("dispatch:case", args=[case.number]), _next(request, "")))
    return render(request, "dispatch/case_action.html", context)


@role_required(R.DEPARTMENT_STAFF)
@require_http_methods(["GET", "POST"])
def case_return(request, number: str):
    case = selectors.case_for_department(user=request.user, number=number)
    context = _case_context(request, case, title=_("Return the case"), button=_("Return to the dispatcher"), danger=True)
    form = forms.ReasonForm(request.POST or None, initial={"expected_version": case.version})
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_return(case=case, by=request.user, reason=form.cleaned_data["note"], expected_version=form.cleaned_data["expected_version"])
        except CaseActionError as exc:
            return _error_response(request, "dispatch/case_action.html", context, exc)
        messages.success(request, _("Case %(number)s returned to the dispatcher.") % {"number": case.number})
        return redirect(_next(request, reverse("dispatch:department")))
    return render(request, "dispatch/case_action.html", context)


def _checked_photos(form, files):
    """Check the uploaded photos; a failure is put on the photos field, explicitly."""
    try:
        return evidence_check(uploads=[Upload(file=f) for f in files])
    except Exception as exc:  # EvidenceError (a ValidationError) with a translated message
        message = " ".join(getattr(exc, "messages", [str(exc)]))
        form.add_error("photos", _("%(error)s The photos were not saved: choose them again.") % {"error": message})
        return None


def _form_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


@role_required(R.DEPARTMENT_STAFF)
@require_http_methods(["GET", "POST"])
def case_handle(request, number: str):
    """处置: the handling result with photos. Each photo is sent and checked as soon as it is
    chosen and shown as a preview (cases' pending uploads); a form error loses no photo."""
    case = selectors.case_for_department(user=request.user, number=number)
    context = _case_context(request, case, title=_("Report the handling result"), button=_("Report handled"), multipart=True, uploads=True,
                            max_mb=settings.EVIDENCE_MAX_IMAGE_MB)
    if request.method == "POST":
        data = request.POST.copy()
        form_uuid = _form_uuid(data.get("form_uuid"))
        if form_uuid is None:  # posted without the page's form id (an old page, a script): give it one
            form_uuid = uuid.uuid4()
            data["form_uuid"] = str(form_uuid)
        form = forms.HandleForm(data, request.FILES)
        # Photos posted with the form (no JavaScript, or sent while offline) are kept like the others.
        for message in pending_upload_stash(user=request.user, form_uuid=form_uuid, slot=PendingUpload.Slot.ACTION, files=request.FILES.getlist("photos")):
            form.add_error("photos", message)
        if form.is_valid():
            try:
                case = services.case_handle_submit(
                    case=case, by=request.user, note=form.cleaned_data["note"], form_uuid=form_uuid,
                    expected_version=form.cleaned_data["expected_version"],
                )
            except CaseActionError as exc:
                if exc.code == "photo_required":
                    form.add_error("photos", exc.messages)
                elif exc.code == "note_required":
                    form.add_error("note", exc.messages)
                else:
                    context.update(form=form, pending=pending_uploads_for(user=request.user, form_uuid=form_uuid, slot=PendingUpload.Slot.ACTION))
                    return _error_response(request, "dispatch/case_action.html", context, exc)
            else:
                messages.success(request, _("Case %(number)s reported handled; the grid worker will verify it.") % {"number": case.number})
                return redirect(_next(request, reverse("dispatch:department")))
    else:
        form_uuid = uuid.uuid4()
        form = forms.HandleForm(initial={"expected_version": case.version, "form_uuid": form_uuid})
    context.update(form=form, pending=pending_uploads_for(user=request.user, form_uuid=form_uuid, slot=PendingUpload.Slot.ACTION))
    return render(request, "dispatch/case_action.html", context)


# --- rectification notices --------------------------------------------------------------------

@role_required(R.DEPARTMENT_STAFF)
@require_http_methods(["GET", "POST"])
def notice_new(request, number: str):
    case = selectors.case_for_department(user=request.user, number=number)
    form = forms.NoticeForm(request.POST or None, initial={"party_name": case.place_name, "party_address": case.address, "finding": case.description})
    context = _case_context(request, case, form=form)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_issue(case=case, by=request.user, **form.cleaned_data)
        except CaseActionError as exc:
            field = {"party_code": "party_code", "deadline": "deadline"}.get(exc.code)
            if field:
                form.add_error(field, exc.messages)
            else:
                return _error_response(request, "dispatch/notice_form.html", context, exc)
        else:
            messages.success(request, _("Rectification notice %(number)s issued.") % {"number": notice.number})
            return redirect("dispatch:notice", pk=notice.pk)
    return render(request, "dispatch/notice_form.html", context)


@role_required(R.DEPARTMENT_STAFF, *OFFICERS)
@require_http_methods(["GET", "POST"])
def notice_detail(request, pk: int):
    """The printable notice (print CSS), and the follow-up check for the issuing department."""
    notice = selectors.notice_get_for_user(user=request.user, pk=pk)
    can_follow_up = notice.status == RectificationNotice.Status.ISSUED and selectors.role_of(request.user) == R.DEPARTMENT_STAFF
    form = forms.FollowUpForm(request.POST or None, request.FILES or None) if can_follow_up else None
    error = None
    if request.method == "POST":
        if form is None:
            raise Http404(_("Not found, or outside your jurisdiction."))
        if form.is_valid():
            photos = _checked_photos(form, form.cleaned_data["photos"])
            if photos is not None:
                try:
                    services.notice_followup_record(
                        notice=notice, by=request.user, complied=form.cleaned_data["complied"], note=form.cleaned_data["note"], evidence_items=photos,
                    )
                except CaseActionError as exc:
                    if exc.code == "photo_required":
                        form.add_error("photos", exc.messages)
                    else:
                        error = " ".join(exc.messages)
                else:
                    messages.success(request, _("Follow-up check of %(number)s recorded.") % {"number": notice.number})
                    return redirect("dispatch:notice", pk=notice.pk)
    return render(request, "dispatch/notice_detail.html", {
        "notice": notice, "form": form, "error": error, "followup_due": notice.deadline <= timezone.localdate(),
    })


@role_required(R.DEPARTMENT_STAFF, *OFFICERS)
def notice_list(request):
    status = request.GET.get("status", "")
    notices = selectors.notice_list(user=request.user, status=status if status in RectificationNotice.Status.values else "")[:200]
    return render(request, "dispatch/notice_list.html", {"notices": notices, "status": status, "statuses": RectificationNotice.Status.choices, "today": timezone.localdate()})


# --- consultations ----------------------------------------------------------------------------

@role_required(*OFFICERS)
@require_http_methods(["GET", "POST"])
def consultation_new(request, number: str):
    case = selectors.case_for_dispatcher(user=request.user, number=number)
    form = forms.ConsultationForm(request.POST or None, case=case, initial={"topic": f"{case.category.name}：{case.address or case.grid.name}"})
    context = _case_context(request, case, form=form)
    try:
        services.check_may_consult(case=case, actor=request.user)
    except CaseActionError as exc:
        context["form"] = None
        return _error_response(request, "dispatch/consultation_form.html", context, exc)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation = services.consultation_open(
                case=case, by=request.user, topic=data["topic"], meeting_at=data["meeting_at"], location=data["location"],
                departments=list(data["departments"]), parties=form.parties(),
            )
        except CaseActionError as exc:
            if exc.code in ("parties", "department_region"):
                form.add_error("departments", exc.messages)
            else:
                return _error_response(request, "dispatch/consultation_form.html", context, exc)
        else:
            messages.success(request, _("Consultation scheduled; the departments have been invited."))
            return redirect("dispatch:consultation", pk=consultation.pk)
    return render(request, "dispatch/consultation_form.html", context)


@role_required(R.DEPARTMENT_STAFF, *OFFICERS)
@require_http_methods(["GET", "POST"])
def consultation_detail(request, pk: int):
    consultation = selectors.consultation_get_for_user(user=request.user, pk=pk)
    may_decide = consultation.status == Consultation.Status.OPEN and selectors.role_of(request.user) in OFFICERS
    form = formset = None
    error = None
    if may_decide:
        form = forms.DecisionForm(request.POST or None, case=consultation.case, prefix="d")
        formset = forms.ActionFormSet(request.POST or None, prefix="a")
    if request.method == "POST":
        if not may_decide:
            raise Http404(_("Not found, or outside your jurisdiction."))
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                services.consultation_decide(
                    consultation=consultation, by=request.user, minutes=data["minutes"], decision=data["decision"],
                    decided_department=data["decided_department"], decided_deadline=data["decided_deadline"],
                    actions=[f.cleaned_data for f in formset.forms if f.cleaned_data],
                )
            except CaseActionError as exc:
                field = {"deadline": "decided_deadline", "department_region": "decided_department", "status": "decided_department", "decision": "decision"}.get(exc.code)
                if field:
                    form.add_error(field, exc.messages)
                else:
                    error = " ".join(exc.messages)
            else:
                messages.success(request, _("Decision recorded; the case follows it."))
                return redirect("dispatch:consultation", pk=consultation.pk)
    return render(request, "dispatch/consultation_detail.html", {
        "c": consultation, "form": form, "formset": formset, "error": error,
        "party_labels": dict(selectors.PARTY_LABELS),
    })


@role_required(R.DEPARTMENT_STAFF, *OFFICERS)
def consultation_list(request):
    return render(request, "dispatch/consultation_list.html", {"consultations": selectors.consultation_list(user=request.user)[:200]})


# --- routing rules ----------------------------------------------------------------------------

@role_required(*RULE_ADMINS)
@require_http_methods(["GET", "POST"])
def rules(request):
    """Routing rules: list, .xlsx export, and import (the whole file or nothing, errors per row and column)."""
    form = forms.RuleImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.rules_import_xlsx(file=form.cleaned_data["file"])
        if result.ok:
            messages.success(request, _("Imported: %(created)s new rules, %(updated)s changed, %(unchanged)s unchanged.") % {
                "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            })
            return redirect("dispatch:rules")
    q = request.GET.get("q", "").strip()
    return render(request, "dispatch/rules.html", {
        "form": form, "result": result, "rules": selectors.rule_list(q=q)[:500], "q": q,
        "unrouted": list(selectors.unrouted_categories()[:100]),
    })


@role_required(*RULE_ADMINS)
def rules_export(request):
    response = HttpResponse(services.rules_export_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="routing-rules-{timezone.localdate():%Y%m%d}.xlsx"'
    return response

