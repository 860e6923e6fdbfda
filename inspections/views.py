"""HTTP only: authenticate, bind a form, call one service or selector, render or redirect."""

from __future__ import annotations


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_POST

from core.files import private_file_response
from core.decorators import role_required
from core.pwa import offline_page
from grids.models import StaffProfile
from grids.selectors import user_grids

from . import selectors, services
from .forms import (
    AnswerForm,
    ChecklistImportForm,
    PhotoForm,
    PlaceCreateForm,
    ResultsFilterForm,
    SceneCreateForm,
    SubmitForm,
    VersionCopyForm,
    posted_answers,
    posted_photos,
)
from .models import Inspection, PlaceType

R = StaffProfile.Role
OFFICE = (R.VILLAGE_STAFF, R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR)
EVERYONE = (*OFFICE, R.GRID_WORKER, R.DEPARTMENT_STAFF)
CHECKLIST_READERS = (R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR, R.DEPARTMENT_STAFF)
CHECKLIST_EDITORS = (R.DISTRICT_OFFICER, R.ADMINISTRATOR)  # the checklist is district-wide


def _can_edit_checklist(user) -> bool:
    profile = getattr(user, "profile", None)
    return user.is_superuser or getattr(profile, "role", None) in CHECKLIST_EDITORS


# =========================================================================== mobile: pick a place

def _start_context(request, **extra) -> dict:
    listing = selectors.mobile_places(user=request.user, place_type=request.GET.get("type", ""), page=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "drafts": selectors.drafts_for(user=request.user), "listing": listing, "due": listing.due,
        "due_days": selectors.DUE_AFTER_DAYS, "form": PlaceCreateForm(), "q": "", "query": query.urlencode(), **extra,
    }


@offline_page  # opens without a signal (core/pwa.py)
@role_required(R.GRID_WORKER)
def mobile_start(request):
    """Pick a place: my open drafts, a search, the places due, then every other place in my grid(s)."""
    return render(request, "inspections/mobile_start.html", _start_context(request))


@role_required(R.GRID_WORKER)
def place_search(request):
    """Search my places (htmx: the cards only); without a search, the next page of my places ("show more")."""
    q = request.GET.get("q", "").strip()
    if request.htmx and not q and request.GET.get("page"):
        listing = selectors.mobile_places(user=request.user, place_type=request.GET.get("type", ""), page=request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "inspections/_place_more.html", {"listing": listing, "query": query.urlencode()})
    places = selectors.with_last_inspection(selectors.place_list(user=request.user, q=q))[:30] if q else []
    if request.htmx:
        return render(request, "inspections/_place_results.html", {"places": places, "q": q, "searched": True})
    return render(request, "inspections/mobile_start.html", _start_context(request, places=places, q=q, searched=bool(q)))


@role_required(R.GRID_WORKER)
@require_POST
def place_new(request):
    """A new place (or free location) in my grid, and its inspection started at once."""
    form = PlaceCreateForm(request.POST)
    if form.is_valid():
        try:
            place = services.place_create(by=request.user, is_free_location=True, **form.cleaned_data)
            inspection = services.inspection_start(inspector=request.user, place=place)
        except services.InspectionError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("inspections:mobile_place", pk=place.pk)
        except ValidationError as exc:
            for fld, errs in exc.message_dict.items():
                form.add_error(None if fld == "__all__" else fld, errs)
        else:
            return redirect("inspections:inspection", client_uuid=inspection.client_uuid)
    return render(request, "inspections/mobile_start.html", _start_context(request, form=form, show_new=True), status=400)


@offline_page  # opens without a signal (core/pwa.py)
@role_required(R.GRID_WORKER)
def mobile_place(request, pk):
    """A place on the phone: start its short list (default), its full list or 综合巡查; 复查 of what failed last time."""
    place = selectors.place_get_for_user(user=request.user, pk=pk)
    return render(request, "inspections/mobile_place.html", {"place": place, **selectors.place_start(user=request.user, place=place)})


@offline_page  # kept on the phone (prefetched by the place page) to start an inspection without a signal
@role_required(R.GRID_WORKER)
def inspection_blank(request, pk, code):
    """The checklist form of a place and list, not started: opened without a signal after the start
    was queued (static/js/offline.js, data-offline-then), its UUID put in by inspection.js from ``?uuid=``."""
    place = selectors.place_get_for_user(user=request.user, pk=pk)
    inspection = selectors.inspection_blank(user=request.user, place=place, scene_code=code)
    context = selectors.inspection_form(inspection=inspection)
    context.update(inspection=inspection, submit_form=SubmitForm(), blank=True, blank_uuid=selectors.BLANK_UUID)
    return render(request, "inspections/form.html", context)


def _open(request, start, *, back):
    """Run `start()` (a service that starts or resumes a draft) and open the draft; a refusal
    or a damaged client UUID goes back to `back` (a redirect) with its message."""
    try:
        inspection = start()
    except services.InspectionError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    except ValidationError:  # a malformed client UUID
        messages.error(request, _("The form was damaged; please start again."))
        return back
    if getattr(inspection, "kept_other", False):
        messages.warning(request, _("You already have a draft of this place with answers (%(scene)s): here it is. "
                                    "Submit it, or discard it to start another list.") % {"scene": inspection.scene.name})
    return redirect("inspections:inspection", client_uuid=inspection.client_uuid)


@role_required(R.GRID_WORKER)
@require_POST
def inspection_start(request, pk):
    """Start (or resume) an inspection of a place: the default list, or the one chosen (``scene``)."""
    place = selectors.place_get_for_user(user=request.user, pk=pk)
    return _open(request, lambda: services.inspection_start(
        inspector=request.user, place=place, client_uuid=request.POST.get("client_uuid") or None,
        scene=request.POST.get("scene", "").strip() or None,
    ), back=redirect("inspections:mobile_place", pk=place.pk))


@role_required(R.GRID_WORKER)
@require_POST
def place_reinspect(request, pk):
    """复查 from a place: only the items that failed in its latest inspection."""
    place = selectors.place_get_for_user(user=request.user, pk=pk)
    return _open(request, lambda: services.inspection_reinspect_place(
        inspector=request.user, place=place, client_uuid=request.POST.get("client_uuid") or None,
    ), back=redirect("inspections:mobile_place", pk=place.pk))


@role_required(R.GRID_WORKER)
@require_POST
def inspection_reinspect(request, client_uuid):
    """复查 from a submitted inspection: only its failed items, linked to it."""
    previous = selectors.inspection_get_for_user(user=request.user, client_uuid=client_uuid)
    return _open(request, lambda: services.inspection_reinspect(
        inspector=request.user, previous=previous, client_uuid=request.POST.get("client_uuid") or None,
    ), back=redirect("inspections:inspection", client_uuid=previous.client_uuid))


# =========================================================================== the inspection

@offline_page  # the checklist form opens and is submitted without a signal (core/pwa.py)
@role_required(*EVERYONE)
def inspection_page(request, client_uuid):
    """The worker's own draft is the checklist form; a submitted inspection is its record."""
    inspection = selectors.inspection_get_for_user(user=request.user, client_uuid=client_uuid)
    if inspection.is_draft:
        return _render_form(request, inspection)
    return render(request, "inspections/detail.html", {
        "inspection": inspection, "sections": selectors.inspection_answers(inspection=inspection, user=request.user),
        "reinspections": selectors.reinspections_of(user=request.user, inspection=inspection),
        "may_reinspect": getattr(getattr(request.user, "profile", None), "role", None) == R.GRID_WORKER and inspection.fail_count > 0,
    })


def _render_form(request, inspection, problems=None, status=200, submit_form=None):
    context = selectors.inspection_form(inspection=inspection, problems=problems)
    context.update(inspection=inspection, submit_form=submit_form or SubmitForm(initial={"remark": inspection.remark}))
    return render(request, "inspections/form.html", context, status=status)


def _own_draft(request, client_uuid) -> Inspection:
    inspection = selectors.inspection_get_for_user(user=request.user, client_uuid=client_uuid)
    if inspection.inspector_id != request.user.pk:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return inspection


def _item_response(request, inspection, item, errors=None, saved=True, posted=None, status=200):
    row = selectors.inspection_item_row(inspection=inspection, item=item, errors=errors)
    if posted:  # a refused answer: show what the worker entered, not the saved draft
        row.entry = {**row.entry, **posted}
    response = render(request, "inspections/_item.html", {"row": row, "inspection": inspection}, status=status)
    answered, total = selectors.inspection_progress(inspection=inspection)
    response["X-Inspection-Progress"] = f"{answered}/{total}"
    response["X-Inspection-Saved"] = "1" if saved else "0"
    response["X-Inspection-Revision"] = str(inspection.revision)
    return response


def _error_response(exc: services.InspectionError, status=400):
    # Messages may quote user input (a file name): escaped like any template output.
    html = format_html('<ul class="errorlist">{}</ul>', format_html_join("", "<li>{}</li>", ((m,) for m in exc.messages)))
    response = HttpResponse(html, status=status)
    response["X-Inspection-Saved"] = "0"
    return response


@role_required(R.GRID_WORKER)
@require_POST
def answer_save(request, client_uuid):
    """One tap: save the item's answer into the draft and return the item re-rendered."""
    inspection = _own_draft(request, client_uuid)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        item_id = form.cleaned_data.get("item")
        item = inspection.checklist_items().filter(pk=item_id).first() if item_id else None
        if item is None:
            return _error_response(services.InspectionError({"": form.error_messages_for_user()}))
        # E.g. a remark over its limit: say so on the item, keep what the page shows.
        posted = {k: form.data.get(k, "") for k in ("result", "reason", "remark")}
        return _item_response(request, inspection, item, errors=form.error_messages_for_user(), saved=False, posted=posted, status=400)
    data = form.cleaned_data
    try:
        inspection, item = services.inspection_answer_save(
            inspection=inspection, inspector=request.user, item_id=data["item"], result=data["result"],
            fail_reason=data["reason"], remark=data["remark"], fixed=data["fixed"],
        )
    except services.InspectionError as exc:
        item = inspection.checklist_items().filter(pk=data["item"]).first()
        if item is None or item.code not in exc.problems:
            return _error_response(exc)
        return _item_response(request, inspection, item, errors=exc.problems[item.code], saved=False)
    return _item_response(request, inspection, item)


@role_required(R.GRID_WORKER)
@require_POST
def photo_add(request, client_uuid):
    inspection = _own_draft(request, client_uuid)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        item = inspection.checklist_items().filter(pk=request.POST.get("item") or 0).first() if (request.POST.get("item") or "").isdigit() else None
        errors = [e for errs in form.errors.values() for e in errs]
        if item is None:
            return _error_response(services.InspectionError({"": errors}))
        return _item_response(request, inspection, item, errors=errors, saved=False)
    data = form.cleaned_data
    try:
        photo = services.inspection_photo_add(inspection=inspection, inspector=request.user, item_id=data["item"], stage=data["stage"], upload=data["photo"])
    except services.InspectionError as exc:
        item = inspection.checklist_items().filter(pk=data["item"]).first()
        if item is None or item.code not in exc.problems:
            return _error_response(exc)
        return _item_response(request, inspection, item, errors=exc.problems[item.code], saved=False)
    if not request.htmx and request.headers.get("X-Requested-With") != "fetch":
        return redirect(reverse("inspections:inspection", args=[inspection.client_uuid]) + f"#item-{photo.item_id}")
    return _item_response(request, inspection, photo.item)


@role_required(R.GRID_WORKER)
@require_POST
def photo_remove(request, client_uuid, pk):
    inspection = _own_draft(request, client_uuid)
    photo = selectors.photo_get_for_user(user=request.user, pk=pk)
    if photo.inspection_id != inspection.pk:
        raise Http404(_("Not found, or outside your jurisdiction."))
    try:
        services.inspection_photo_remove(photo=photo, inspector=request.user)
    except services.InspectionError as exc:
        return _error_response(exc)
    if request.headers.get("X-Requested-With") == "fetch":
        return _item_response(request, inspection, photo.item)
    return redirect(reverse("inspections:inspection", args=[inspection.client_uuid]) + f"#item-{photo.item_id}")


@role_required(R.GRID_WORKER)
@require_POST
def inspection_submit(request, client_uuid):
    """Submit (idempotent): a retry or a double tap lands on the same submitted inspection."""
    inspection = selectors.inspection_get_for_user(user=request.user, client_uuid=client_uuid)
    if inspection.inspector_id != request.user.pk:
        raise Http404(_("Not found, or outside your jurisdiction."))
    if not inspection.is_draft:
        return redirect("inspections:inspection", client_uuid=inspection.client_uuid)
    form = SubmitForm(request.POST)
    form.is_valid()
    if "remark" in form.errors:
        # Refused before anything is written (a remark silently dropped would be lost); the page
        # shows the answers as they were posted. A bad location is not refused: like no location,
        # the inspection is accepted with a visible flag.
        inspection.draft = {**inspection.draft, **_posted_by_code(inspection, posted_answers(request.POST))}
        problems = {"": [f"{form.fields['remark'].label}：{m}" for m in form.errors["remark"]]}
        return _render_form(request, inspection, problems=problems, status=400, submit_form=form)
    data = {k: form.cleaned_data.get(k) for k in ("latitude", "longitude", "remark")}
    uploads = [services.PhotoUpload(item_id=i, stage=s, file=f) for i, s, f in posted_photos(request.FILES)]
    try:
        inspection, created = services.inspection_submit(
            inspection=inspection, inspector=request.user, answers=posted_answers(request.POST), uploads=uploads,
            latitude=data["latitude"], longitude=data["longitude"], remark=data["remark"] or "",
        )
    except services.InspectionError as exc:
        inspection.refresh_from_db()
        return _render_form(request, inspection, problems=exc.problems, status=400, submit_form=form)
    if created:
        messages.success(request, _("Inspection submitted: %(passed)s passed, %(failed)s failed, %(na)s not applicable.") % {
            "passed": inspection.pass_count, "failed": inspection.fail_count, "na": inspection.na_count})
    return redirect("inspections:inspection", client_uuid=inspection.client_uuid)


@role_required(R.GRID_WORKER)
@require_POST
def mark_rest(request, client_uuid):
    """其余全部合格: every item still unanswered becomes "pass" (one write); given answers stay.

    With JavaScript (``X-Requested-With: fetch``): the page posts its revision and the ids it
    shows unanswered, and gets JSON back. Without: the button submits the whole checklist form
    here, so the answers and photos on the page are kept first, then the rest are marked.
    """
    inspection = _own_draft(request, client_uuid)
    is_fetch = request.headers.get("X-Requested-With") == "fetch"
    raw_revision = request.POST.get("revision", "").strip()
    if raw_revision and not raw_revision.isdigit():
        problems = {"": [_("The form was damaged; please start again.")]}
        if is_fetch:
            return JsonResponse({"errors": problems[""]}, status=400)
        return _render_form(request, inspection, problems=problems, status=400)
    revision = int(raw_revision) if raw_revision else None
    if not inspection.is_draft:  # a replay after the submit: nothing to mark, the record is shown
        if is_fetch:
            return JsonResponse({"errors": [_("This inspection has already been submitted; it can no longer be changed.")],
                                 "url": reverse("inspections:inspection", args=[inspection.client_uuid])}, status=409)
        return redirect("inspections:inspection", client_uuid=inspection.client_uuid)
    answers, problems = {}, {}
    if not is_fetch:
        answers = posted_answers(request.POST)
        form = SubmitForm(request.POST)
        if form.is_valid() and form.cleaned_data["remark"]:
            Inspection.objects.filter(pk=inspection.pk, status=Inspection.Status.DRAFT).update(remark=form.cleaned_data["remark"].strip()[:2000])
            inspection.remark = form.cleaned_data["remark"].strip()[:2000]
        for item_id, stage, upload in posted_photos(request.FILES):  # a photo taken on the page is never dropped
            try:
                services.inspection_photo_add(inspection=inspection, inspector=request.user, item_id=item_id, stage=stage, upload=upload)
            except services.InspectionError as exc:
                for key, msgs in exc.problems.items():
                    problems.setdefault(key, []).extend(msgs)
    item_ids = request.POST.getlist("items") if is_fetch and "items" in request.POST else None
    try:
        inspection, marked = services.inspection_mark_rest_passed(
            inspection=inspection, inspector=request.user, revision=revision, item_ids=item_ids, answers=answers,
        )
    except services.InspectionError as exc:
        stale = exc.code == "stale"
        if is_fetch:
            return JsonResponse({"errors": exc.messages, "stale": stale}, status=409 if stale else 400)
        for key, msgs in exc.problems.items():
            problems.setdefault(key, []).extend(msgs)
        inspection.refresh_from_db()
        posted = _posted_by_code(inspection, answers)
        if stale:  # the latest answers, and what was posted where the server has none yet (nothing lost)
            posted = {code: entry for code, entry in posted.items() if not (inspection.draft.get(code) or {}).get("result")}
        inspection.draft = {**inspection.draft, **posted}  # for display: it was refused, not saved
        return _render_form(request, inspection, problems=problems, status=409 if stale else 400)
    answered, total = selectors.inspection_progress(inspection=inspection)
    if is_fetch:
        return JsonResponse({"marked": marked, "answered": answered, "total": total, "revision": inspection.revision})
    if problems:
        return _render_form(request, inspection, problems=problems, status=400)
    messages.success(request, ngettext("%(n)s item marked as passed.", "%(n)s items marked as passed.", len(marked)) % {"n": len(marked)})
    return redirect(reverse("inspections:inspection", args=[inspection.client_uuid]) + "#submit-inspection")


def _posted_by_code(inspection, answers: dict) -> dict:
    """Posted answers ({item id: entry}) keyed by item code, as the draft keeps them (for display only)."""
    codes = dict(inspection.checklist_items().values_list("pk", "code"))
    return {codes[int(k)]: v for k, v in answers.items() if k.isdigit() and int(k) in codes}


@role_required(R.GRID_WORKER)
@require_POST
def inspection_discard(request, client_uuid):
    inspection = _own_draft(request, client_uuid)
    try:
        services.inspection_discard(inspection=inspection, inspector=request.user)
    except services.InspectionError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("inspections:inspection", client_uuid=inspection.client_uuid)
    messages.success(request, _("The draft was discarded."))
    return redirect("inspections:mobile_start")


@role_required(*EVERYONE)
def photo_file(request, pk):
    """Evidence is private: streamed only after the jurisdiction check."""
    photo = selectors.photo_get_for_user(user=request.user, pk=pk)
    field = photo.thumbnail if request.GET.get("thumb") and photo.thumbnail else photo.file
    return private_file_response(field, content_type="image/jpeg")


# =========================================================================== office: lists and history

@role_required(*OFFICE)
def inspection_list(request):
    qs = selectors.inspection_list(user=request.user, filters={"grid": request.GET.get("grid", ""), "flagged": request.GET.get("flagged")})
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "inspections/inspection_list.html", {"page": page, "grids": user_grids(user=request.user)})


@role_required(*EVERYONE)
def place_list(request):
    qs = selectors.place_list(user=request.user, q=request.GET.get("q", "").strip(), grid_code=request.GET.get("grid", ""),
                              place_type=request.GET.get("type", ""))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "inspections/place_list.html", {
        "page": page, "place_types": PlaceType.choices, "grids": user_grids(user=request.user), "query": query.urlencode(),
    })


@role_required(*EVERYONE)
def place_history(request, pk):
    place = selectors.place_get_for_user(user=request.user, pk=pk)
    return render(request, "inspections/place_history.html", {"place": place, **selectors.place_history(user=request.user, place=place)})


# =========================================================================== 一次采集、多方利用

def _department_query(request):
    department = selectors.user_department(request.user)
    if department is None and request.user.is_superuser:
        from dispatch.models import Department

        department = Department.objects.filter(parent__isnull=True, code=request.GET.get("department", "")).first() or \
            Department.objects.filter(parent__isnull=True).order_by("code").first()
    if department is None:
        raise Http404(_("Your account belongs to no department."))
    version = selectors.published_version()
    grids = list(user_grids(user=request.user))
    form = ResultsFilterForm(
        request.GET or None, grids=grids,
        scenes=selectors.scene_list(version=version) if version else [], items=selectors.department_items(department=department),
    )
    filters = {}
    if form.is_bound:
        if not form.is_valid():  # e.g. a grid outside the jurisdiction: say so, show nothing
            return department, form, None
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        if filters.get("grid"):
            filters["grid"] = next(g for g in form.grids if g.code == filters["grid"])
    return department, form, filters


@role_required(R.DEPARTMENT_STAFF, R.ADMINISTRATOR)
def department_results(request):
    department, form, filters = _department_query(request)
    qs = selectors.department_answers(user=request.user, department=department, filters=filters or {})
    if filters is None:
        qs = qs.none()
    page = Paginator(selectors.department_answer_page_rows(qs), 50).get_page(request.GET.get("page"))
    page.object_list = selectors.hide_cases_not_known(list(page.object_list), user=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "inspections/department_results.html", {
        "department": department, "form": form, "page": page, "summary": selectors.department_summary(qs),
        "query": query.urlencode(),
    })


@role_required(R.DEPARTMENT_STAFF, R.ADMINISTRATOR)
@require_POST
def department_results_export(request):
    """Start the filtered results' .xlsx export as a background job (any size) and show its progress."""
    from core.jobs import start_job
    from grids.scoping import job_region_path

    from .jobs import EXPORT_KIND, export_params

    department, form, filters = _department_query(request)
    back = reverse("inspections:department_results") + "?" + request.GET.urlencode()
    if filters is None:
        return redirect(back)
    params = export_params(department=department, filters=filters)
    params.update(query=request.GET.urlencode()[:200], language=request.LANGUAGE_CODE)
    job = start_job(EXPORT_KIND, user=request.user, region_path=job_region_path(request.user), params=params,
                    label=_("Inspection results of %(department)s (.xlsx)") % {"department": department.name})
    return redirect(job.get_absolute_url())


# =========================================================================== checklist (officers)

@role_required(*CHECKLIST_READERS)
def checklist_list(request):
    return render(request, "inspections/checklist_list.html", {
        "versions": selectors.checklist_versions(), "import_form": ChecklistImportForm(), "can_edit": _can_edit_checklist(request.user),
    })


@role_required(*CHECKLIST_EDITORS)
@require_POST
def checklist_import(request):
    form = ChecklistImportForm(request.POST, request.FILES)
    problems = []
    if form.is_valid():
        try:
            version = services.checklist_import_xlsx(upload=form.cleaned_data["file"], by=request.user, label=form.cleaned_data["label"])
        except services.ChecklistImportError as exc:
            problems = exc.problems
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Imported as draft version %(label)s with %(n)s items. Check it, then publish.") % {
                "label": version.label, "n": version.items.count()})
            return redirect("inspections:checklist_detail", pk=version.pk)
    return render(request, "inspections/checklist_list.html", {
        "versions": selectors.checklist_versions(), "import_form": form, "problems": problems, "can_edit": True,
    }, status=400)


@role_required(*CHECKLIST_READERS)
def checklist_detail(request, pk):
    version = selectors.checklist_version_get(pk=pk)
    return render(request, "inspections/checklist_detail.html", {
        "version": version, "sections": selectors.checklist_sections(version=version), "scenes": selectors.scene_list(version=version),
        "can_edit": _can_edit_checklist(request.user), "copy_form": VersionCopyForm(), "scene_form": SceneCreateForm(),
    })


@role_required(*CHECKLIST_READERS)
def checklist_export(request, pk):
    version = selectors.checklist_version_get(pk=pk)
    response = HttpResponse(selectors.checklist_export_xlsx(version=version),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="checklist-{version.label}.xlsx"'
    return response


@role_required(*CHECKLIST_EDITORS)
@require_POST
def checklist_publish(request, pk):
    version = selectors.checklist_version_get(pk=pk)
    try:
        services.checklist_version_publish(version=version, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Version %(label)s is published; new inspections use it.") % {"label": version.label})
    return redirect("inspections:checklist_detail", pk=version.pk)


@role_required(*CHECKLIST_EDITORS)
@require_POST
def checklist_copy(request, pk):
    version = selectors.checklist_version_get(pk=pk)
    form = VersionCopyForm(request.POST)
    if form.is_valid():
        try:
            draft = services.checklist_version_copy(version=version, label=form.cleaned_data["label"], by=request.user)
        except ValidationError as exc:
            for fld, errs in exc.message_dict.items():
                form.add_error(fld if fld in form.fields else None, errs)
        else:
            messages.success(request, _("Draft %(label)s created from %(from)s.") % {"label": draft.label, "from": version.label})
            return redirect("inspections:checklist_detail", pk=draft.pk)
    return render(request, "inspections/checklist_detail.html", {
        "version": version, "sections": selectors.checklist_sections(version=version), "scenes": selectors.scene_list(version=version),
        "can_edit": True, "copy_form": form, "scene_form": SceneCreateForm(),
    }, status=400)


@role_required(*CHECKLIST_EDITORS)
@require_POST
def checklist_discard(request, pk):
    version = selectors.checklist_version_get(pk=pk)
    try:
        services.checklist_draft_discard(version=version, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("inspections:checklist_detail", pk=version.pk)
    messages.success(request, _("Draft %(label)s discarded.") % {"label": version.label})
    return redirect("inspections:checklist_list")


@role_required(*CHECKLIST_EDITORS)
@require_POST
def scene_new(request, pk):
    version = selectors.checklist_version_get(pk=pk)
    form = SceneCreateForm(request.POST)
    if form.is_valid():
        try:
            scene = services.scene_create(version=version, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for fld, errs in exc.message_dict.items():
                form.add_error(fld if fld in form.fields else None, errs)
        else:
            messages.success(request, _("Scene %(name)s created; now choose its items.") % {"name": scene.name})
            return redirect("inspections:scene_compose", pk=version.pk, code=scene.code)
    return render(request, "inspections/checklist_detail.html", {
        "version": version, "sections": selectors.checklist_sections(version=version), "scenes": selectors.scene_list(version=version),
        "can_edit": True, "copy_form": VersionCopyForm(), "scene_form": form, "show_scene_form": True,
    }, status=400)


@role_required(*CHECKLIST_READERS)
def scene_compose(request, pk, code):
    """Compose a scene from the version's items (a draft); a published scene is shown read-only."""
    version = selectors.checklist_version_get(pk=pk)
    scene = selectors.scene_get(version=version, code=code)
    selected = set(scene.items.values_list("pk", flat=True))
    errors = []
    if request.method == "POST":
        if not _can_edit_checklist(request.user):
            raise Http404(_("Not found, or outside your jurisdiction."))
        chosen = [v for v in request.POST.getlist("items") if v.isdigit()]
        try:
            services.scene_compose(scene=scene, item_ids=chosen, by=request.user)
        except ValidationError as exc:
            errors = exc.messages
            selected = {int(v) for v in chosen}
        else:
            messages.success(request, _("Scene %(name)s now has %(n)s items.") % {"name": scene.name, "n": len(chosen)})
            return redirect("inspections:checklist_detail", pk=version.pk)
    return render(request, "inspections/scene_compose.html", {
        "version": version, "scene": scene, "sections": selectors.checklist_sections(version=version), "selected": selected,
        "errors": errors, "can_edit": _can_edit_checklist(request.user) and version.is_editable,
    }, status=400 if errors else 200)
