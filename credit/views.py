"""HTTP only: authenticate, bind a form, call one service or selector, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.files import private_file_response
from core.decorators import role_required
from core.roles import AD, DO, DS, GW, SO, VS, user_role
from grids.models import Region
from grids.scoping import scope
from grids.selectors import user_grids

from . import selectors, services
from .forms import EnterpriseFilterForm, EnterpriseForm, LinkCaseForm, LinkPlaceForm, OverrideForm, RatingForm, VetoForm
from .models import ColourOverride, Colour
from .policy import policy

READERS = (VS, SO, DO, AD, DS)
EDITORS = (VS, SO, DO, AD)
OVERRIDERS = (DO, AD)


def _can(user, roles) -> bool:
    return user.is_superuser or user_role(user) in roles


def _region_filter(request, user):
    code = (request.GET.get("grid") or "").strip()
    if not code:
        return None
    return scope(Region.objects.filter(code=code), user, path_field="path").first()


# =========================================================================== registry

@role_required(*READERS)
@require_GET
def enterprise_list(request):
    form = EnterpriseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    filters = dict(filters, region=_region_filter(request, request.user))
    qs = selectors.enterprise_list(user=request.user, filters=filters)
    page = Paginator(qs, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.enterprise_colour_counts(selectors.with_credit(selectors.enterprise_queryset(user=request.user)))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "credit/enterprise_list.html", {
        "form": form, "page": page, "counts": counts, "grids": user_grids(user=request.user),
        "can_edit": _can(request.user, EDITORS), "can_rescore": _can(request.user, OVERRIDERS),
        "query": query.urlencode(), "colours": Colour,
    })


@role_required(*READERS)
@require_GET
def enterprise_detail(request, pk: int):
    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    detail = selectors.enterprise_detail(user=request.user, enterprise=enterprise)
    departments = _departments_for(request.user)
    return render(request, "credit/enterprise_detail.html", {
        "e": enterprise, "d": detail,
        "can_edit": _can(request.user, EDITORS), "can_override": _can(request.user, OVERRIDERS),
        "can_veto": _can(request.user, (SO, DO, AD)), "can_rate": bool(departments),
        "override_form": OverrideForm(initial={"colour": enterprise.effective_colour or Colour.YELLOW}),
        "veto_form": VetoForm(), "rating_form": RatingForm(departments=departments), "case_form": LinkCaseForm(),
        "place_form": LinkPlaceForm(places=selectors.places_for_linking(user=request.user, enterprise=enterprise),
                                    initial={"place": enterprise.place_id}),
        "colours": Colour,
    })


def _grids_for_form(user):
    return list(user_grids(user=user))


def _apply_licence(form, enterprise_fields: dict):
    upload = form.cleaned_data.get("licence_upload")
    if not upload:
        return None
    from cases.evidence import process_image

    image = process_image(upload)
    return ContentFile(image.content, name="licence.jpg")


@role_required(*EDITORS)
def enterprise_create(request):
    grids = _grids_for_form(request.user)
    form = EnterpriseForm(request.POST or None, request.FILES or None, grids=grids)
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in form.Meta.fields}
        try:
            licence = _apply_licence(form, fields)
            with transaction.atomic():
                enterprise = services.enterprise_create(
                    uscc=form.cleaned_data["uscc"], region=form.cleaned_data["region"], by=request.user, **fields
                )
                if licence is not None:
                    enterprise.licence_photo.save(licence.name, licence, save=False)
                    enterprise.save(update_fields=["licence_photo"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Enterprise %(name)s registered.") % {"name": enterprise.name})
            return redirect("credit:enterprise_detail", pk=enterprise.pk)
    return render(request, "credit/enterprise_form.html", {"form": form, "creating": True}, status=400 if form.errors else 200)


@role_required(*EDITORS)
def enterprise_edit(request, pk: int):
    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    grids = _grids_for_form(request.user)
    if enterprise.region_id not in {g.pk for g in grids}:
        grids.append(enterprise.region)
    form = EnterpriseForm(request.POST or None, request.FILES or None, instance=enterprise, grids=grids)
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in form.Meta.fields}
        try:
            licence = _apply_licence(form, fields)
            with transaction.atomic():
                if licence is not None:
                    fields["licence_photo"] = licence
                services.enterprise_update(
                    enterprise=enterprise, by=request.user, uscc=form.cleaned_data["uscc"], region=form.cleaned_data["region"], **fields
                )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("credit:enterprise_detail", pk=enterprise.pk)
    return render(request, "credit/enterprise_form.html", {"form": form, "e": enterprise}, status=400 if form.errors else 200)


def _form_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@role_required(DO, AD)
@require_POST
def enterprise_delete(request, pk: int):
    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    services.enterprise_delete(enterprise=enterprise, by=request.user)
    messages.success(request, _("%(name)s removed from the registry.") % {"name": enterprise.name})
    return redirect("credit:enterprise_list")


@role_required(*READERS)
@require_GET
def licence_photo(request, pk: int):
    """The licence photo is private: served only here, after the jurisdiction check."""
    enterprise = selectors.licence_photo_for_user(user=request.user, pk=pk)
    return private_file_response(enterprise.licence_photo, content_type="image/jpeg")


# =========================================================================== links

@role_required(*EDITORS)
@require_POST
def link_case(request, pk: int):
    from cases.selectors import case_get_for_user

    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    form = LinkCaseForm(request.POST)
    if form.is_valid():
        try:
            case = case_get_for_user(user=request.user, number=form.cleaned_data["number"].strip())
        except Http404:
            messages.error(request, _("No case with this number in your jurisdiction."))
        else:
            try:
                services.enterprise_link_case(enterprise=enterprise, case=case, by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Case %(number)s linked.") % {"number": case.number})
    else:
        messages.error(request, _("Enter a case number."))
    return redirect("credit:enterprise_detail", pk=enterprise.pk)


@role_required(*EDITORS)
@require_POST
def link_place(request, pk: int):
    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    form = LinkPlaceForm(request.POST, places=selectors.places_for_linking(user=request.user, enterprise=enterprise))
    if form.is_valid():
        try:
            services.enterprise_link_place(enterprise=enterprise, place=form.cleaned_data["place"], by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Inspection place saved."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("credit:enterprise_detail", pk=enterprise.pk)


# =========================================================================== overrides, vetoes, ratings

@role_required(*OVERRIDERS)
def override_create(request, pk: int):
    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.override_create(
                enterprise=enterprise, colour=form.cleaned_data["colour"], reason=form.cleaned_data["reason"],
                expires_at=form.expires_at(), by=request.user, request=request,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Colour overridden."))
            return redirect("credit:enterprise_detail", pk=enterprise.pk)
    return render(request, "credit/override_form.html", {"form": form, "e": enterprise}, status=400 if form.errors else 200)


@role_required(*OVERRIDERS)
@require_POST
def override_revoke(request, pk: int, override_pk: int):
    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    override = ColourOverride.objects.filter(enterprise=enterprise, pk=override_pk).first()
    if override is None:
        raise Http404
    services.override_revoke(override=override, by=request.user, request=request)
    messages.success(request, _("Override ended."))
    return redirect("credit:enterprise_detail", pk=enterprise.pk)


@role_required(SO, DO, AD)
def veto_create(request, pk: int):
    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    form = VetoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.veto_record(enterprise=enterprise, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Veto recorded; the enterprise is rated red while it holds."))
            return redirect("credit:enterprise_detail", pk=enterprise.pk)
    return render(request, "credit/simple_form.html", {"form": form, "e": enterprise, "title": _("Record a one-vote veto")},
                  status=400 if form.errors else 200)


def _departments_for(user):
    from dispatch.models import Department

    role = user_role(user)
    if user.is_superuser or role in (DO, AD):
        return list(Department.objects.filter(parent__isnull=True).order_by("code"))
    if role == DS:
        dept = getattr(getattr(user, "profile", None), "department", None)
        if dept is not None:
            return [dept.parent if dept.parent_id else dept]
    return []


@role_required(DO, AD, DS)
def rating_create(request, pk: int):
    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    departments = _departments_for(request.user)
    if not departments:
        raise PermissionDenied
    form = RatingForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        try:
            services.department_rating_record(enterprise=enterprise, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Department rating recorded."))
            return redirect("credit:enterprise_detail", pk=enterprise.pk)
    return render(request, "credit/simple_form.html", {"form": form, "e": enterprise, "title": _("Record a department rating")},
                  status=400 if form.errors else 200)


@role_required(*OVERRIDERS)
@require_POST
def rescore_start(request):
    job = services.rescore_job_start(by=request.user)
    return redirect(job.get_absolute_url())


# =========================================================================== graded supervision

@role_required(GW)
@require_GET
def due_list(request):
    """The grid worker's places due for inspection, by days overdue then colour (red first)."""
    from inspections.selectors import place_list

    rows = selectors.due_places(place_list(user=request.user), limit=200)
    return render(request, "credit/due_list.html", {"rows": rows, "intervals": policy()["interval_days"]})


@role_required(SO, DO, AD)
@require_GET
def coverage(request):
    level = 4 if request.GET.get("by") == "grid" else 2
    rows = selectors.coverage(user=request.user, level=level)
    total = sum(r.total for r in rows)
    covered = sum(r.covered for r in rows)
    return render(request, "credit/coverage.html", {
        "rows": rows, "level": level, "total": total, "covered": covered,
        "share": round(100 * covered / total, 1) if total else None, "intervals": policy()["interval_days"],
    })


# =========================================================================== placards

@role_required(*EDITORS)
def placard(request, pk: int):
    """Printable A4/A5 placard with the colour and a QR code to the public page (GET shows; POST issues/revokes)."""
    import segno

    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.placard_token_revoke(enterprise=enterprise, by=request.user)
            messages.success(request, _("Placard revoked: its QR code no longer opens anything."))
            return redirect("credit:enterprise_detail", pk=enterprise.pk)
        services.placard_token_issue(enterprise=enterprise, by=request.user)
        return redirect("credit:placard", pk=enterprise.pk)
    token = enterprise.placard_tokens.filter(revoked_at__isnull=True).first()
    qr_svg = url = ""
    if token is not None:
        url = request.build_absolute_uri(reverse("credit:public", args=[token.token]))
        qr_svg = segno.make(url, error="m").svg_inline(scale=6, border=2)
    size = "A5" if request.GET.get("size") == "A5" else "A4"
    return render(request, "credit/placard.html", {
        "e": enterprise, "token": token, "url": url, "qr_svg": qr_svg, "size": size,
        "last_inspected_at": selectors.last_inspected_at(enterprise=enterprise),
    })


@require_GET
def public(request, token: str):
    """The public page behind a placard's QR code: name, colour, last inspection date; nothing personal."""
    data = selectors.placard_public(token=token)
    response = render(request, "credit/public.html", {"p": data})
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response
