"""HTTP only. Public pages (no login): the report page behind the community's QR code, the
status link, the registration page and the volunteer's own card page. Staff pages: teams,
volunteers, triage, rewards and redemptions, all scoped by grids.scoping (404 outside)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import CaseCategory, PendingUpload
from core.files import private_file_response
from core.decorators import role_required
from core.roles import AD, DO, SO, VS

from . import selectors, services
from .forms import (
    REPORT_ERROR_FIELDS,
    CorrectionForm,
    DecideForm,
    JoinForm,
    PublicReportForm,
    RedemptionActionForm,
    RewardForm,
    TriageForm,
    VolunteerAddForm,
)
from .models import Volunteer, VolunteerReport
from .problem_types import PROBLEM_TYPES
from .qr import qr_svg
from .services import RateLimited, VolunteerError

STAFF = (VS, SO, DO, AD)


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


def _types():
    """The icon list, without the types whose category is missing or inactive."""
    codes = set(CaseCategory.objects.filter(code__in=[t.category_code for t in PROBLEM_TYPES], is_active=True).values_list("code", flat=True))
    return [t for t in PROBLEM_TYPES if t.category_code in codes]


# --- public: the report page (案件上报码) ----------------------------------------------------------------

def _public_pending(form_uuid):
    if form_uuid is None:
        return []
    return list(PendingUpload.objects.filter(user__username=services.PUBLIC_UPLOAD_USERNAME, form_uuid=form_uuid).order_by("created_at", "id"))


@never_cache
@require_http_methods(["GET", "POST"])
def public_report(request, code: str):
    team = selectors.team_by_report_code(code=code)
    grids = list(selectors.team_grids(team=team))
    types = _types()
    card = request.POST.get("card") or request.GET.get("v") or ""
    known = None
    if card:
        try:
            known = selectors.volunteer_by_card(token=card)
        except Http404:
            card = ""
    photo_errors: list[str] = []
    error = None
    status = 200
    if request.method == "POST":
        form = PublicReportForm(request.POST, grids=grids, types=types)
        form_uuid = _uuid(request.POST.get("client_uuid"))
        if form.bot_detected():
            return render(request, "volunteers/public_refused.html", {"team": team}, status=400)
        if form_uuid is not None:
            for file in request.FILES.getlist("photos"):  # no-JavaScript path: kept even if the form has errors
                try:
                    services.public_upload_create(form_uuid=form_uuid, file=file, ip=_ip(request))
                except ValidationError as exc:
                    photo_errors.append(f"{file.name}: {' '.join(exc.messages)}")
        if form.is_valid() and not photo_errors:
            d = form.cleaned_data
            data = services.PublicReportInput(
                client_uuid=d["client_uuid"], phone=known.phone if known else d["phone"], problem_type=d["problem_type"],
                latitude=d["latitude"], longitude=d["longitude"], grid_code=d["grid"], address=d["address"],
                description=d["description"], self_handled=d["self_handled"],
            )
            try:
                report, _created = services.public_report_submit(team=team, data=data, ip=_ip(request))
            except RateLimited as exc:
                error, status = " ".join(exc.messages), 429
            except VolunteerError as exc:
                field = REPORT_ERROR_FIELDS.get(exc.code)
                if field == "phone" and known:
                    field = None
                if field:
                    form.add_error(field, exc.messages)
                elif exc.code == "photo":
                    photo_errors.extend(exc.messages)
                else:
                    form.add_error(None, exc.messages)
                status = 400
            else:
                return redirect("volunteers:status", report.token)
        else:
            status = 400
    else:
        form_uuid = PublicReportForm.new_uuid()
        form = PublicReportForm(initial={"client_uuid": form_uuid, "card": card}, grids=grids, types=types)
    return render(request, "volunteers/public_report.html", {
        "team": team, "form": form, "form_uuid": form_uuid, "types": types, "known": known, "card": card,
        "pending": _public_pending(form_uuid), "photo_errors": photo_errors, "error": error,
        "max_mb": settings.EVIDENCE_MAX_IMAGE_MB, "selected_type": form["problem_type"].value() or "",
    }, status=status)


@require_POST
def public_upload(request, code: str):
    selectors.team_by_report_code(code=code)
    form_uuid = _uuid(request.POST.get("form_uuid"))
    file = request.FILES.get("file")
    if form_uuid is None or file is None:
        return JsonResponse({"error": _("Choose a photo to upload.")}, status=400)
    try:
        pending = services.public_upload_create(form_uuid=form_uuid, file=file, ip=_ip(request))
    except RateLimited as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=429)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages), "name": file.name}, status=400)
    html = render(request, "volunteers/_public_upload.html", {"p": pending, "code": code, "form_uuid": form_uuid}).content.decode()
    return JsonResponse({"id": pending.pk, "html": html})


@require_POST
def public_upload_delete(request, code: str, form_uuid: uuid.UUID, pk: int):
    if not services.public_upload_delete(form_uuid=form_uuid, upload_id=pk):
        raise Http404(_("Not found."))
    return JsonResponse({"deleted": pk})


@require_GET
def public_upload_thumb(request, code: str, form_uuid: uuid.UUID, pk: int):
    pending = PendingUpload.objects.filter(user__username=services.PUBLIC_UPLOAD_USERNAME, form_uuid=form_uuid, pk=pk).first()
    if pending is None or not pending.thumbnail:
        raise Http404(_("Not found."))
    return private_file_response(pending.thumbnail, content_type="image/jpeg", cache="private, max-age=600")


@never_cache
@require_GET
def public_status(request, token: str):
    """The reporter's status link: this report's own status and nothing about anyone else."""
    report = selectors.report_by_token(token=token)
    report = services.report_sync(report=report)
    points = 0
    if report.volunteer_id:
        from .models import PointEntry

        points = sum(PointEntry.objects.filter(report=report).values_list("points", flat=True))
    response = render(request, "volunteers/public_status.html", {"report": report, "case": report.case, "points": points})
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def public_join(request, code: str):
    team = selectors.team_by_report_code(code=code)
    form = JoinForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.bot_detected():
            return render(request, "volunteers/public_refused.html", {"team": team}, status=400)
        try:
            services.rate_limit_check(ip=_ip(request))
        except RateLimited as exc:
            form.add_error(None, exc.messages)
            status = 429
        else:
            if form.is_valid():
                try:
                    services.volunteer_register(team=team, **{k: form.cleaned_data[k] for k in ("name", "phone", "kind")})
                except VolunteerError as exc:
                    form.add_error("phone" if exc.code in {"phone", "phone_taken"} else None, exc.messages)
                else:
                    return render(request, "volunteers/public_joined.html", {"team": team})
            status = 400
    return render(request, "volunteers/public_join.html", {"team": team, "form": form}, status=status)


@never_cache
@require_GET
def my_card(request, token: str):
    """The volunteer's own page (their card's QR code): points, stars, rewards, their reports."""
    volunteer = selectors.volunteer_by_card(token=token)
    response = render(request, "volunteers/my_card.html", {
        "v": volunteer, "ledger": selectors.ledger_for(volunteer=volunteer, limit=20),
        "rewards": selectors.rewards_for_team(team=volunteer.team, active_only=True),
        "redemptions": volunteer.redemptions.select_related("reward").order_by("-created_at")[:10],
        "reports": selectors.reports_of(volunteer=volunteer, limit=10),
    })
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
def my_redeem(request, token: str, reward_id: int):
    volunteer = selectors.volunteer_by_card(token=token)
    reward = selectors.rewards_for_team(team=volunteer.team).filter(pk=reward_id).first()
    if reward is None:
        raise Http404(_("Not found."))
    try:
        services.redemption_request(volunteer=volunteer, reward=reward)
    except VolunteerError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Requested “%(name)s”. The community office will confirm and hand it over.") % {"name": reward.name})
    return redirect("volunteers:my_card", token)


# --- staff: teams -------------------------------------------------------------------------------------

@role_required(*STAFF)
def index(request):
    return render(request, "volunteers/index.html", {
        "teams": selectors.team_list(user=request.user),
        "villages": selectors.villages_without_team(user=request.user),
    })


@role_required(*STAFF)
@require_POST
def team_create(request, code: str):
    village = selectors.village_get_for_user(user=request.user, code=code)
    team = services.team_ensure(village=village)
    return redirect("volunteers:team", team.village.code)


def _month_param(request):
    value = request.GET.get("month", "")
    try:
        year, month = (int(x) for x in value.split("-"))
        import datetime as dt

        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return None


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def team_detail(request, code: str):
    team = selectors.team_get_for_user(user=request.user, code=code)
    add_form = VolunteerAddForm(request.POST or None)
    if request.method == "POST" and add_form.is_valid():
        try:
            services.volunteer_register(team=team, by=request.user, **add_form.cleaned_data)
        except VolunteerError as exc:
            add_form.add_error("phone" if exc.code in {"phone", "phone_taken"} else "name" if exc.code == "name" else None, exc.messages)
        else:
            messages.success(request, _("%(name)s joined the team.") % {"name": add_form.cleaned_data["name"]})
            return redirect("volunteers:team", code)
    month = _month_param(request) or timezone.localdate().replace(day=1)
    return render(request, "volunteers/team.html", {
        "team": team, "add_form": add_form,
        "totals": selectors.team_totals(team=team),
        "summary": selectors.monthly_summary(team=team, months=6),
        "leaders": selectors.leaderboard(team=team, limit=10),
        "month_leaders": selectors.leaderboard(team=team, month=month, limit=10), "month": month,
        "approved": selectors.volunteer_list(team=team, user=request.user, status=Volunteer.Status.APPROVED),
        "waiting": selectors.volunteer_list(team=team, user=request.user, status=Volunteer.Status.PENDING),
        "pending_reports": selectors.triage_reports(user=request.user, team=team).count(),
    })


@role_required(*STAFF)
@require_GET
def team_poster(request, code: str):
    team = selectors.team_get_for_user(user=request.user, code=code)
    url = request.build_absolute_uri(reverse("volunteers:report", args=[team.report_code]))
    return render(request, "volunteers/poster.html", {"team": team, "url": url, "qr": qr_svg(url, scale=10), "types": _types()})


# --- staff: volunteers ----------------------------------------------------------------------------------

@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def volunteer_detail(request, pk: int):
    volunteer = selectors.volunteer_get_for_user(user=request.user, pk=pk)
    correction = CorrectionForm(request.POST or None) if request.POST.get("form") == "correction" else CorrectionForm()
    if request.method == "POST":
        form_name = request.POST.get("form")
        try:
            if form_name == "decide":
                decide = DecideForm(request.POST)
                decide.is_valid()
                services.volunteer_decide(volunteer=volunteer, approve=decide.cleaned_data.get("approve", False), by=request.user,
                                          note=decide.cleaned_data.get("note", ""))
                messages.success(request, _("Saved."))
                return redirect("volunteers:volunteer", pk)
            if form_name == "correction" and correction.is_valid():
                services.points_correct(volunteer=volunteer, by=request.user, **correction.cleaned_data)
                messages.success(request, _("The correction was added to the ledger."))
                return redirect("volunteers:volunteer", pk)
            if form_name == "redeem":
                reward = selectors.rewards_for_team(team=volunteer.team).filter(pk=request.POST.get("reward") or 0).first()
                if reward is None:
                    raise VolunteerError(_("Choose a reward."), code="reward")
                services.redemption_request(volunteer=volunteer, reward=reward, by=request.user)
                messages.success(request, _("Redemption requested."))
                return redirect("volunteers:volunteer", pk)
        except VolunteerError as exc:
            messages.error(request, " ".join(exc.messages))
            volunteer = selectors.volunteer_get_for_user(user=request.user, pk=pk)
    return render(request, "volunteers/volunteer.html", {
        "v": volunteer, "correction": correction,
        "ledger": selectors.ledger_for(volunteer=volunteer),
        "reports": selectors.reports_of(volunteer=volunteer),
        "rewards": selectors.rewards_for_team(team=volunteer.team, active_only=True),
    })


@role_required(*STAFF)
@require_GET
def volunteer_card(request, pk: int):
    volunteer = selectors.volunteer_get_for_user(user=request.user, pk=pk)
    if volunteer.status != Volunteer.Status.APPROVED:
        raise Http404(_("Only an approved volunteer has a card."))
    url = request.build_absolute_uri(reverse("volunteers:my_card", args=[volunteer.card_token]))
    return render(request, "volunteers/card.html", {"v": volunteer, "url": url, "qr": qr_svg(url, scale=5)})


# --- staff: triage (初筛) --------------------------------------------------------------------------------

@role_required(*STAFF)
@require_GET
def triage(request):
    services.reports_sync_pending(limit=100)  # decisions taken on the cases pages
    reports = list(selectors.triage_reports(user=request.user)[:100])
    return render(request, "volunteers/triage.html", {"reports": reports})


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def triage_decide(request, pk: int):
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    form = TriageForm(request.POST or None, initial={"expected_version": report.case.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        into = None
        try:
            if d["outcome"] == VolunteerReport.Outcome.DUPLICATE:
                number = d["into"].strip()
                if not number:
                    raise VolunteerError(_("Enter the number of the original case."), code="into")
                from cases.selectors import case_get_for_user

                try:
                    into = case_get_for_user(user=request.user, number=number)
                except Http404:
                    raise VolunteerError(_("No case %(number)s in your jurisdiction.") % {"number": number}, code="into") from None
            services.triage_decide(report=report, outcome=d["outcome"], by=request.user, note=d["note"], into=into,
                                   expected_version=d["expected_version"])
        except VolunteerError as exc:
            form.add_error("into" if exc.code == "into" else "note" if exc.code == "note" else None, exc.messages)
        else:
            messages.success(request, _("Decided: %(outcome)s.") % {"outcome": VolunteerReport.Outcome(d["outcome"]).label})
            return redirect("volunteers:triage")
    return render(request, "volunteers/triage_decide.html", {"report": report, "case": report.case, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


# --- staff: rewards and redemptions ----------------------------------------------------------------------

@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def rewards(request, code: str):
    team = selectors.team_get_for_user(user=request.user, code=code)
    form = RewardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reward_save(team=team, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Saved."))
            return redirect("volunteers:rewards", code)
    return render(request, "volunteers/rewards.html", {"team": team, "form": form, "rewards": selectors.rewards_for_team(team=team)})


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def reward_edit(request, pk: int):
    reward = selectors.reward_get_for_user(user=request.user, pk=pk)
    form = RewardForm(request.POST or None, instance=reward)
    if request.method == "POST" and form.is_valid():
        try:
            services.reward_save(team=reward.team, by=request.user, reward=reward, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Saved."))
            return redirect("volunteers:rewards", reward.team.village.code)
    return render(request, "volunteers/reward_edit.html", {"reward": reward, "form": form})


@role_required(*STAFF)
@require_GET
def redemptions(request):
    return render(request, "volunteers/redemptions.html", {"redemptions": selectors.redemptions_open(user=request.user)})


@role_required(*STAFF)
@require_POST
def redemption_act(request, pk: int, action: str):
    redemption = selectors.redemption_get_for_user(user=request.user, pk=pk)
    form = RedemptionActionForm(request.POST)
    form.is_valid()
    try:
        services.redemption_transition(redemption=redemption, action=action, by=request.user, note=form.cleaned_data.get("note", ""))
    except VolunteerError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("volunteers:redemptions")


@role_required(*STAFF)
@require_GET
def triage_badge(request):
    n = selectors.triage_reports(user=request.user).count()
    return HttpResponse(f'<span class="badge yellow">{n}</span>' if n else "")

