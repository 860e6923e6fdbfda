"""HTTP only: bind a form, call one service or selector, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.files import private_file_response
from core.decorators import role_required
from core.identifiers import mask_id_number
from core.roles import ALL, VS, SO, DO, AD, user_role
from core.services import audit_record

from . import selectors, services
from .forms import ReviewForm, UploadForm
from .models import Kind, Scan, ScanLink

BATCH_ROLES = {VS, SO, DO, AD}  # desks that upload a village's photos at once


def _attach_param(request) -> dict:
    """?attach=case:<number> | inspection:<uuid> | enterprise:<id> | person:<id> from the page that linked here."""
    raw = (request.GET.get("attach") or request.POST.get("attach") or "")[:100]
    kind, _sep, ref = raw.partition(":")
    if kind in ScanLink.Target.values and ref:
        return {"kind": kind, "id": ref}
    return {}


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            name = f"f_{key}" if f"f_{key}" in form.fields else key if key in form.fields else None
            for error in errors:
                form.add_error(name, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@role_required(*ALL)
@require_http_methods(["GET", "POST"])
def start(request):
    """扫一扫: the camera opens, the photo uploads, the job recognises it."""
    batch_mode = request.GET.get("batch") == "1" and (user_role(request.user) in BATCH_ROLES or request.user.is_superuser)
    attach = _attach_param(request)
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in Kind.values else {}
    unavailable = services.ocr_unavailable_message()
    form = UploadForm(request.POST or None, request.FILES or None, batch=batch_mode, initial=initial)
    rejected = []
    if request.method == "POST" and form.is_valid():
        files = request.FILES.getlist("photos")
        try:
            batch, rejected = services.scan_upload(user=request.user, kind=form.cleaned_data["kind"], files=files, attach_to=attach)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("photos" if not unavailable else None, message)
        else:
            for name, message in rejected:
                messages.warning(request, _("%(name)s was not stored: %(message)s") % {"name": name or _("a photo"), "message": message})
            return redirect(batch.get_absolute_url())
    return render(request, "scan/start.html", {
        "form": form, "unavailable": unavailable, "batch_mode": batch_mode, "attach": attach,
        "may_batch": user_role(request.user) in BATCH_ROLES or request.user.is_superuser,
        "recent": selectors.recent_batches(user=request.user, limit=10),
    })


@role_required(*ALL)
@require_GET
def batch(request, uuid):
    """Progress of the recognition, then the review queue."""
    batch = selectors.batch_get_for_user(user=request.user, uuid=uuid)
    scans = list(selectors.batch_scans(batch=batch))
    if batch.count == 1 and scans and scans[0].status != Scan.Status.PENDING and not request.htmx:
        return redirect(scans[0].get_absolute_url())
    rows = []
    for s in scans:
        fields = (s.recognition or {}).get("fields", {})
        number = (fields.get("id_number") or fields.get("credit_code") or {}).get("value", "")
        rows.append({"scan": s, "name": (fields.get("name") or {}).get("value", ""),
                     "number": mask_id_number(number) if s.kind == Kind.ID_CARD and number else number,
                     "low": sum(1 for f in fields.values() if f.get("confidence", 0) < 0.75 or f.get("valid") is False)})
    return render(request, "scan/batch.html", {"batch": batch, "rows": rows, "job": batch.job,
                                               "waiting": any(s.status == Scan.Status.PENDING for s in scans)})


@role_required(*ALL)
@require_http_methods(["GET", "POST"])
def review(request, uuid):
    """The confirmation screen: every field editable, doubtful ones highlighted."""
    scan = selectors.scan_get_for_user(user=request.user, uuid=uuid)
    grids = list(selectors.grids_for(user=request.user)[:500])
    editable = scan.status in (Scan.Status.RECOGNISED, Scan.Status.FAILED)
    if request.method == "POST" and not editable:
        # A double submit, or a second reviewer: nothing more is written.
        messages.warning(request, _("This scan was already confirmed.") if scan.status == Scan.Status.CONFIRMED
                         else _("This scan was discarded.") if scan.status == Scan.Status.DISCARDED
                         else _("This scan is still being recognised."))
        return redirect(scan.get_absolute_url())
    form = ReviewForm(request.POST or None, scan=scan, grids=grids)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data.get("action") or "save"
        region = None
        if form.cleaned_data.get("region"):
            try:
                region = selectors.grid_get_for_user(user=request.user, pk=form.cleaned_data["region"])
            except Http404:
                form.add_error("region", _("This grid is outside your jurisdiction."))
        if not form.errors:
            try:
                if action == "discard":
                    services.scan_discard(scan=scan, by=request.user)
                    messages.success(request, _("The scan was discarded."))
                elif action == "attach":
                    link = services.scan_attach(scan=scan, by=request.user, target=form.cleaned_data.get("target") or "",
                                                ref=form.cleaned_data.get("ref") or "", text=form.values().get("text", ""))
                    messages.success(request, _("Attached to %(label)s.") % {"label": link.label or link.object_id})
                elif scan.kind == Kind.ID_CARD:
                    services.scan_confirm_person(scan=scan, by=request.user, values=form.values(), region=region)
                    messages.success(request, _("The person record was saved."))
                elif scan.kind == Kind.LICENCE:
                    services.scan_confirm_enterprise(scan=scan, by=request.user, values=form.values(), region=region)
                    messages.success(request, _("The enterprise record was saved."))
                else:
                    form.add_error(None, _("A document can be attached to a record, not saved as one."))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                nxt = selectors.next_to_review(scan=scan)
                return redirect(nxt.get_absolute_url() if nxt else scan.batch.get_absolute_url() if scan.batch.count > 1 else "scan:start")
    if request.method == "GET" and scan.kind == Kind.ID_CARD and scan.status == Scan.Status.RECOGNISED:
        audit_record(user=request.user, action="reveal", object_type="scan.Scan", object_ids=[scan.uuid],
                     reason="扫一扫: confirm ID card", request=request)
    return render(request, "scan/review.html", {
        "scan": scan, "form": form, "links": scan.links.all(), "job": scan.batch.job,
        "editable": editable,
        "warnings": (scan.recognition or {}).get("warnings", []),
    })


@role_required(*ALL)
@require_GET
def image(request, uuid):
    """The stored photo, only after the jurisdiction check (MEDIA_ROOT is never served)."""
    scan = selectors.scan_get_for_user(user=request.user, uuid=uuid)
    return private_file_response(scan.image, content_type="image/jpeg")


@role_required(*ALL)
@require_GET
def search(request):
    """Scans in my jurisdiction; documents are searchable by their recognised text."""
    query = (request.GET.get("q") or "")[:100]
    return render(request, "scan/search.html", {"query": query, "scans": selectors.scan_search(user=request.user, query=query)})
