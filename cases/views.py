"""HTTP only: authenticate, bind a form, call a service or selector, render or redirect."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.files import private_file_response
from core.pwa import offline_page
from core.context_processors import user_role
from core.decorators import role_required
from grids import selectors as grid_selectors
from grids.models import StaffProfile

from . import selectors, services
from .actions import action_url
from .addresses import AddressGuess, address_near
from .forms import REPORT_ERROR_FIELDS, CaseActionForm, CaseFilterForm, CaseReportForm, CategoryImportForm, VerifyForm
from .models import Case, CaseAttachment, PendingUpload
from .photo_groups import photo_groups
from .services import CaseActionError, CaseConflict
from .workflow import DISPATCH_ACTIONS, GENERIC_ACTIONS, TRANSITIONS

R = StaffProfile.Role
GW = R.GRID_WORKER
REPORTER_ROLES = (R.GRID_WORKER, R.VILLAGE_STAFF, R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR)
STAFF_ROLES = (R.VILLAGE_STAFF, R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR, R.DEPARTMENT_STAFF)
TRIAGE_ROLES = (R.VILLAGE_STAFF, R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR)
VERIFY_ROLES = (R.GRID_WORKER, R.VILLAGE_STAFF)
CATEGORY_ROLES = (R.DISTRICT_OFFICER, R.ADMINISTRATOR)
ALL_ROLES = tuple(R.values)


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _map_region_code(user) -> str:
    """The region whose boundary the report page's map shows: the worker's grid, or the top of the scope."""
    grids = list(grid_selectors.user_grids(user=user)[:2])
    if len(grids) == 1:
        return grids[0].code
    # region_list() select_related's the parent: drop it before .only(), or Django refuses to defer
    # a field it must traverse (the 500 office roles got on /cases/report/).
    top = grid_selectors.region_list(user=user).select_related(None).order_by("level", "code").values_list("code", flat=True).first()
    return top or ""


def _json_for_script(data) -> str:
    """JSON for a <script type="application/json"> block, like the json_script filter but with
    Chinese kept as UTF-8 (a third of the size of \\u escapes on a phone's connection)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026"))  # noqa: S308


# --- reporting ------------------------------------------------------------------------------------

@offline_page  # the form opens without a signal; a report made offline waits on the phone (core/pwa.py)
@role_required(*REPORTER_ROLES)
@require_http_methods(["GET", "POST"])
def report(request):
    """上报: the phone's report form (category, phrases, photos, location, 发现即办)."""
    role = user_role(request.user)
    source = Case.Source.GRID_WORKER if role == GW else Case.Source.HOTLINE
    photo_errors: list[str] = []
    after_errors: list[str] = []
    if request.method == "POST":
        form = CaseReportForm(request.POST, request.FILES)
        form_uuid = _uuid(request.POST.get("client_uuid"))
        done = selectors.case_by_uuid_for_user(user=request.user, client_uuid=form_uuid) if form_uuid else None
        if done is not None:
            # A replay (a double tap, or the phone's outbox re-sending after a lost answer) is the
            # same case, even if the form would no longer pass (e.g. its category was retired since).
            messages.info(request, _("This report was already received as case %(number)s.") % {"number": done.number})
            return redirect("cases:detail", done.number)
        report_files = request.FILES.getlist("photos") + request.FILES.getlist("videos")
        after_files = request.FILES.getlist("after_photos")
        if form_uuid is not None and report_files:
            # Photos posted with the form (no JavaScript, or sent from the phone's outbox) are
            # kept even if the form has errors.
            photo_errors = services.pending_upload_stash(
                user=request.user, form_uuid=form_uuid, slot=PendingUpload.Slot.REPORT, files=report_files,
            )
        if form_uuid is not None and after_files:
            after_errors = services.pending_upload_stash(
                user=request.user, form_uuid=form_uuid, slot=PendingUpload.Slot.AFTER, files=after_files,
            )
        if form.is_valid() and not photo_errors and not after_errors:
            data = form.cleaned_data
            try:
                case, created = services.case_submit(
                    reporter=request.user, client_uuid=data["client_uuid"], category=data["category"],
                    description=data["description"], latitude=data["latitude"], longitude=data["longitude"],
                    address=data["address"], urgency=data["urgency"] or None, place_name=data["place_name"],
                    source=source, fixed_on_spot=data["fixed_on_spot"], handling_note=data["handling_note"],
                    looked_up=form_uuid == data["client_uuid"],  # no case of mine with it (above)
                )
            except CaseActionError as exc:
                form.add_error(REPORT_ERROR_FIELDS.get(exc.code), exc.messages)
            else:
                if case.status == Case.Status.SELF_HANDLED:
                    messages.success(request, _("Case %(number)s was reported and closed as handled on the spot.") % {"number": case.number})
                else:
                    messages.success(request, _("Case %(number)s was reported.") % {"number": case.number})
                return redirect("cases:detail", case.number)
    else:
        form_uuid = _uuid(request.GET.get("uuid")) or CaseReportForm.new_uuid()
        done = selectors.case_by_uuid_for_user(user=request.user, client_uuid=form_uuid)
        if done is not None:
            messages.info(request, _("This report was already received as case %(number)s.") % {"number": done.number})
            return redirect("cases:detail", done.number)
        form = CaseReportForm(initial={"client_uuid": form_uuid})
    groups, recent = selectors.category_picker(user=request.user)
    pending = selectors.pending_uploads_for(user=request.user, form_uuid=form_uuid) if form_uuid else []
    selected = form["category"].value()
    return render(request, "cases/report.html", {
        "form": form,
        "form_uuid": form_uuid,
        "groups": groups,
        "recent": recent,
        "selected_category": str(selected) if selected else "",
        "pending_report": [p for p in pending if p.slot == PendingUpload.Slot.REPORT],
        "pending_after": [p for p in pending if p.slot == PendingUpload.Slot.AFTER],
        "photo_errors": photo_errors,
        "after_errors": after_errors,
        "map_region": _map_region_code(request.user),
        "is_hotline": source == Case.Source.HOTLINE,
        "category_meta": _json_for_script(selectors.category_catalogue().meta),
        "self_handle_minutes": settings.ECOGRID_SELF_HANDLE_MINUTES,
        "max_mb": settings.EVIDENCE_MAX_IMAGE_MB,
    })


@role_required(*REPORTER_ROLES)
@require_GET
def report_address(request):
    """JSON for the report form: an address for the point, from the district's own places and
    grids (cases/addresses.py), inside the user's jurisdiction. Bad input answers an empty guess."""
    try:
        lat, lng = float(request.GET.get("latitude", "")), float(request.GET.get("longitude", ""))
    except ValueError:
        return JsonResponse(AddressGuess().as_json())
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):  # also NaN
        return JsonResponse(AddressGuess().as_json())
    return JsonResponse(address_near(user=request.user, latitude=lat, longitude=lng).as_json())


@role_required(*ALL_ROLES)
@require_GET
def duplicates(request):
    """htmx fragment: open cases of the same category near the reported point."""
    category = request.GET.get("category", "")
    try:
        lat, lng = float(request.GET.get("latitude", "")), float(request.GET.get("longitude", ""))
    except ValueError:
        return HttpResponse("")
    if not category.isdigit() or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return HttpResponse("")
    found = selectors.case_duplicates_nearby(user=request.user, category_id=int(category), latitude=lat, longitude=lng)
    return render(request, "cases/_duplicates.html", {"found": found})


@login_required
@require_POST
def upload_create(request):
    """Upload one photo/video for a form that is still being filled in (answers JSON)."""
    form_uuid = _uuid(request.POST.get("form_uuid"))
    slot = request.POST.get("slot", PendingUpload.Slot.REPORT)
    file = request.FILES.get("file")
    if form_uuid is None or file is None:
        return JsonResponse({"error": _("Choose a photo to upload.")}, status=400)
    try:
        pending = services.pending_upload_create(user=request.user, form_uuid=form_uuid, slot=slot, file=file)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages), "name": file.name}, status=400)
    html = render(request, "cases/_pending_upload.html", {"p": pending}).content.decode()
    return JsonResponse({"id": pending.pk, "html": html})


@login_required
@require_POST
def upload_delete(request, pk: int):
    if not services.pending_upload_delete(user=request.user, upload_id=pk):
        raise Http404(_("Not found."))
    return JsonResponse({"deleted": pk})


@login_required
@require_GET
def upload_thumbnail(request, pk: int):
    pending = selectors.pending_upload_get_for_user(user=request.user, pk=pk)
    if not pending.thumbnail:
        raise Http404(_("Not found."))
    return private_file_response(pending.thumbnail, content_type="image/jpeg")


# --- lists ------------------------------------------------------------------------------------------

@role_required(*ALL_ROLES)
def my_cases(request):
    """我的上报: what I reported, newest first."""
    page = selectors.case_my_page(user=request.user, cursor=request.GET.get("after", ""))
    return render(request, "cases/my_cases.html", {"page": page})


@role_required(*VERIFY_ROLES)
def to_verify(request):
    """待核查: cases in my grid(s) that a department reported as handled."""
    page = selectors.case_to_verify_page(user=request.user, cursor=request.GET.get("after", ""))
    return render(request, "cases/to_verify.html", {"page": page})


@role_required(*TRIAGE_ROLES)
def triage(request):
    """初筛: volunteer / public / API reports in my villages waiting for a decision."""
    page = selectors.case_triage_page(user=request.user, cursor=request.GET.get("after", ""))
    return render(request, "cases/triage.html", {"page": page})


@role_required(*STAFF_ROLES)
def case_list(request):
    """The staff case list with filters; keyset pagination keeps every page one query."""
    from .models import CaseCategory

    regions = grid_selectors.region_list(user=request.user).select_related(None).only("code", "name", "level", "path")
    categories = CaseCategory.objects.only("code", "name", "parent_id").order_by("code")
    form = CaseFilterForm(request.GET or None, categories=categories, regions=regions)
    filters = form.filters() if form.is_bound else {}
    page = selectors.case_page(user=request.user, filters=filters, cursor=request.GET.get("after", ""))
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "cases/case_list.html", {"form": form, "page": page, "query": query.urlencode()})


# --- the case -----------------------------------------------------------------------------------------

def _safe_next(request) -> str:
    """A `next` page on this site (e.g. a workbench with its filters), or ""."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _with_next(url: str, back: str) -> str:
    from django.utils.http import urlencode

    return f"{url}{'&' if '?' in url else '?'}{urlencode({'next': back})}" if back else url


@role_required(*ALL_ROLES)
def detail(request, number: str):
    """The case page: header, map, deadlines, photos, timeline, and what I may do now."""
    detail = selectors.case_detail(user=request.user, number=number)
    case = detail.case
    allowed = selectors.case_actions_for_user(case=case, user=request.user)
    back = _safe_next(request)  # e.g. the dispatch workbench with its filters: the actions come back to it
    actions = [{"transition": t, "url": _with_next(action_url(t.action, case.number), back)} for t in allowed if t.action != "triage"]
    merge_candidates = []
    if any(t.action == "merge" for t in allowed):
        merge_candidates = selectors.case_duplicates_nearby(
            user=request.user, category_id=case.category_id, latitude=case.latitude, longitude=case.longitude, exclude_pk=case.pk,
        )
    return render(request, "cases/detail.html", {
        "d": detail,
        "case": case,
        "actions": actions,
        "merge_candidates": merge_candidates,
        "deadlines": selectors.case_deadlines(case=case, now=timezone.now()),
        "self_handle_minutes": settings.ECOGRID_SELF_HANDLE_MINUTES,
        "photo_groups": photo_groups(detail.photos + detail.videos),
        "next": back,
    })


def _action_context(request, case, transition, form, error=None, status=200):
    return render(request, "cases/act.html", {
        "case": case, "transition": transition, "form": form, "error": error, "max_mb": settings.EVIDENCE_MAX_IMAGE_MB,
        "pending": selectors.pending_uploads_for(user=request.user, form_uuid=form["form_uuid"].value(), slot=PendingUpload.Slot.ACTION)
        if form is not None and _uuid(form["form_uuid"].value()) else [],
        "merge_candidates": selectors.case_duplicates_nearby(
            user=request.user, category_id=case.category_id, latitude=case.latitude, longitude=case.longitude, exclude_pk=case.pk,
        ) if transition is not None and transition.action == "merge" else [],
    }, status=status)


@role_required(*ALL_ROLES)
@require_http_methods(["GET", "POST"])
def act(request, number: str, action: str):
    """The generic action page: note + photos + the version the page was rendered from."""
    case = selectors.case_get_for_user(user=request.user, number=number)
    transition = TRANSITIONS.get(action)
    if transition is None or action == "triage" or action not in GENERIC_ACTIONS + DISPATCH_ACTIONS:
        raise Http404(_("Unknown action."))
    if request.method == "GET":
        form = CaseActionForm(
            initial={"form_uuid": uuid.uuid4(), "expected_version": case.version, "next": request.GET.get("next", ""), "into": request.GET.get("into", "")},
            user=request.user, case=case, transition=transition,
        )
        try:
            services.check_case_action(case=case, action=action, actor=request.user)
        except CaseActionError as exc:
            return _action_context(request, case, transition, None, error=" ".join(exc.messages), status=409)
        return _action_context(request, case, transition, form)
    form = CaseActionForm(request.POST, request.FILES, user=request.user, case=case, transition=transition)
    form_uuid = _uuid(request.POST.get("form_uuid"))
    photo_errors = []
    if form_uuid is not None:
        photo_errors = services.pending_upload_stash(
            user=request.user, form_uuid=form_uuid, slot=PendingUpload.Slot.ACTION, files=request.FILES.getlist("photos"),
        )
        for message in photo_errors:
            form.add_error("photos", message)
    if not form.is_valid():
        return _action_context(request, case, transition, form)
    data = form.cleaned_data
    try:
        case = services.case_act_submit(
            case=case, action=action, actor=request.user, form_uuid=data["form_uuid"], note=data["note"],
            expected_version=data["expected_version"], into=data.get("into"),
        )
    except CaseActionError as exc:
        field = {"before_photo": "photos", "after_photo": "photos", "into": "into", "note_required": "note"}.get(exc.code)
        if field and field in form.fields:
            form.add_error(field, exc.messages)
            return _action_context(request, case, transition, form)
        return _action_context(
            request, selectors.case_get_for_user(user=request.user, number=number), transition, form,
            error=" ".join(exc.messages), status=409 if isinstance(exc, CaseConflict) else 200,
        )
    messages.success(request, _("%(action)s: done. Case %(number)s is now “%(status)s”.") % {
        "action": transition.label, "number": case.number, "status": case.get_status_display(),
    })
    return redirect(data.get("next") or reverse("cases:detail", args=[case.number]))


@role_required(*VERIFY_ROLES)
@require_http_methods(["GET", "POST"])
def verify(request, number: str):
    """核查 on the phone: passed / failed (reason) with a photo of the site."""
    detail = selectors.case_detail(user=request.user, number=number)
    case = detail.case
    error = None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        form_uuid = _uuid(request.POST.get("form_uuid"))
        if form_uuid is not None:
            for message in services.pending_upload_stash(
                user=request.user, form_uuid=form_uuid, slot=PendingUpload.Slot.ACTION, files=request.FILES.getlist("photos"),
            ):
                form.add_error("photos", message)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_act_submit(
                    case=case, action=data["outcome"], actor=request.user, form_uuid=data["form_uuid"], note=data["note"],
                    expected_version=data["expected_version"], require_photo=True,
                )
            except CaseActionError as exc:
                if exc.code == "photo_required":
                    form.add_error("photos", exc.messages)
                else:
                    error = " ".join(exc.messages)
            else:
                messages.success(request, _("Case %(number)s: %(result)s.") % {
                    "number": case.number, "result": TRANSITIONS[data["outcome"]].label,
                })
                return redirect("cases:to_verify")
    else:
        outcome = request.GET.get("outcome")
        form = VerifyForm(initial={
            "form_uuid": uuid.uuid4(), "expected_version": case.version,
            "outcome": outcome if outcome in {"verify", "verify_fail"} else None,
        })
        if case.status != Case.Status.HANDLED:
            error = _("This case is now “%(status)s”, so “%(action)s” is not possible.") % {
                "status": case.get_status_display(), "action": TRANSITIONS["verify"].label,
            }
    form_uuid = _uuid(form["form_uuid"].value())
    pending = selectors.pending_uploads_for(user=request.user, form_uuid=form_uuid, slot=PendingUpload.Slot.ACTION) if form_uuid else []
    return render(request, "cases/verify.html", {
        "case": case, "d": detail, "form": form, "error": error, "pending": pending, "max_mb": settings.EVIDENCE_MAX_IMAGE_MB,
        # Before and after, side by side and labelled; "after" shows even when empty.
        "photo_groups": photo_groups(detail.photos, keep_empty=("before", "after")),
    })


VIDEO_TYPES = {"mp4": "video/mp4", "quicktime": "video/quicktime", "mov": "video/quicktime", "webm": "video/webm", "3gp": "video/3gpp"}


@role_required(*ALL_ROLES)
@require_GET
def attachment(request, number: str, pk: int, thumb: bool = False):
    """Evidence files are served only here, after the case's jurisdiction check."""
    att = selectors.attachment_get_for_user(user=request.user, number=number, pk=pk)
    if att.kind == CaseAttachment.Kind.VIDEO:
        if thumb:
            raise Http404(_("Not found."))
        ext = att.file.name.rsplit(".", 1)[-1].lower()
        return private_file_response(att.file, content_type=VIDEO_TYPES.get(ext, "application/octet-stream"))
    return private_file_response(att.thumbnail if thumb and att.thumbnail else att.file, content_type="image/jpeg")


# --- categories (事件分类) ------------------------------------------------------------------------------

@role_required(*CATEGORY_ROLES)
@require_http_methods(["GET", "POST"])
def categories(request):
    """The category table, with .xlsx import (whole file or nothing) and export."""
    result = None
    if request.method == "POST":
        form = CategoryImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = services.category_import_file(file=upload, name=upload.name)
            if result.ok:
                messages.success(request, _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.") % {
                    "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                })
                return redirect("cases:categories")
    else:
        form = CategoryImportForm()
    return render(request, "cases/categories.html", {"form": form, "result": result, "groups": selectors.category_list()})


@role_required(*CATEGORY_ROLES)
@require_GET
def categories_export(request):
    content = services.category_export_xlsx()
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="case-categories-{timezone.localdate():%Y%m%d}.xlsx"'
    return response
