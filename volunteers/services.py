"""Writes of the volunteers app: teams, registration, the public report, triage, points, rewards.

Cases are written only through the cases services (``case_report``, ``case_transition``,
``case_merge``, ``pending_upload_create``); this app keeps its own link rows.

Points: every change of a volunteer's points is one ``PointEntry`` (append-only) written in
the same transaction as the running totals on the volunteer, under ``SELECT … FOR UPDATE``
on the volunteer row; a redemption also locks the reward row (always volunteer first, then
reward, so two transactions never wait on each other in opposite orders). Concurrent
redemptions therefore serialise on those rows and can never overspend points or stock; the
CHECK constraints (balance ≥ 0, stock ≥ 0) are the last line of defence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, CaseAttachment, CaseCategory, PendingUpload
from cases.services import (
    CaseActionError,
    case_merge,
    case_report,
    case_transition,
    pending_upload_create,
)
from cases.services import _consume_pending as consume_pending  # noqa: PLC2701 - the form-upload mechanism
from cases.services import _pending_checked as pending_checked  # noqa: PLC2701
from core.identifiers import check_phone
from grids.models import Region
from grids.scoping import path_in_scope
from grids.selectors import grid_for_point

from .models import PointEntry, PointRule, Redemption, Reward, Team, Volunteer, VolunteerReport
from .problem_types import BY_KEY

User = get_user_model()
O = VolunteerReport.Outcome
PUBLIC_UPLOAD_USERNAME = "_public_report_uploads"
DEFAULT_RULE_POINTS = {PointRule.Code.ADOPTED: 2, PointRule.Code.SELF_HANDLED: 5, PointRule.Code.MONTHLY_ACTIVITY: 1}


class VolunteerError(ValidationError):
    """A request that cannot be done (bad input, wrong state); the message says why.

    A list of messages is joined into one, so that ``code`` is always kept."""

    def __init__(self, message, code=None, params=None):
        if isinstance(message, (list, tuple)):
            message = " ".join(str(m) for m in message)
        super().__init__(message, code=code, params=params)


class RateLimited(VolunteerError):
    """Too many requests from one phone or one address."""


class PointsError(VolunteerError):
    """Not enough points, or out of stock."""


def _stored(message, **params) -> str:
    """Text stored on a record (shown later to others): in the deployment's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)


# --- teams and volunteers ------------------------------------------------------------------------

def team_ensure(*, village: Region) -> Team:
    """The village's team (created on first use)."""
    if village.level != Region.Level.VILLAGE:
        raise VolunteerError(_("A volunteer team belongs to a village or community."), code="level")
    team, _created = Team.objects.get_or_create(
        village=village, defaults={"name": _stored(gettext_lazy("%(name)s volunteer team"), name=village.name), "region_path": village.path}
    )
    return team


def normalise_phone(raw: str) -> str:
    result = check_phone(raw)
    if not result.ok:
        raise VolunteerError(result.messages, code="phone")
    return result.value


def volunteer_register(*, team: Team, name: str, phone: str, kind: str, by=None) -> Volunteer:
    """Register a volunteer. From the public page (``by`` None) they wait for the village's approval;
    entered by village staff they are approved at once."""
    name = (name or "").strip()
    if not name:
        raise VolunteerError(_("Enter the volunteer's name."), code="name")
    if len(name) > 32:
        raise VolunteerError(_("The name is too long (at most 32 characters)."), code="name")
    if kind not in Volunteer.Kind.values:
        raise VolunteerError(_("Choose what kind of volunteer this is."), code="kind")
    phone = normalise_phone(phone)
    if Volunteer.objects.filter(phone=phone).exclude(status=Volunteer.Status.REJECTED).exists():
        raise VolunteerError(_("This phone number is already registered as a volunteer."), code="phone_taken")
    now = timezone.now()
    volunteer = Volunteer(
        team=team, name=name, phone=phone, kind=kind, region_path=team.region_path,
        status=Volunteer.Status.APPROVED if by is not None else Volunteer.Status.PENDING,
        decided_by=by, decided_at=now if by is not None else None,
    )
    try:
        with transaction.atomic():
            volunteer.save(force_insert=True)
    except IntegrityError:  # the same phone raced in twice
        raise VolunteerError(_("This phone number is already registered as a volunteer."), code="phone_taken") from None
    return volunteer


def volunteer_decide(*, volunteer: Volunteer, approve: bool, by, note: str = "") -> Volunteer:
    """Village staff approve or decline a registration (or let an approved volunteer leave)."""
    if not path_in_scope(by, volunteer.region_path, verb="view"):
        raise VolunteerError(_("This volunteer is outside your jurisdiction."), code="scope")
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if approve:
            if locked.status != Volunteer.Status.PENDING:
                raise VolunteerError(_("Only a registration waiting for approval can be approved."), code="state")
            locked.status = Volunteer.Status.APPROVED
        else:
            if locked.status == Volunteer.Status.PENDING:
                if not note.strip():
                    raise VolunteerError(_("Give a reason for not approving."), code="note")
                locked.status = Volunteer.Status.REJECTED
            elif locked.status == Volunteer.Status.APPROVED:
                locked.status = Volunteer.Status.LEFT
            else:
                raise VolunteerError(_("This registration was already decided."), code="state")
        locked.decided_by, locked.decided_at, locked.decision_note = by, timezone.now(), note.strip()[:200]
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    return locked


# --- rate limits (Django cache: Redis in production) ----------------------------------------------

def _key(kind: str, value: str) -> str:
    return f"vol:rl:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:24]}"


def _hit(key: str, limit: int, window: int = 3600) -> bool:
    """Count one request; True while the count is within `limit` for the window."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= limit


def rate_limit_check(*, ip: str = "", phone: str = "", what: str = "report") -> None:
    """Raise RateLimited when the address or the phone sent too many requests this hour."""
    if what == "upload":
        if ip and not _hit(_key("upload-ip", ip), getattr(settings, "VOLUNTEER_UPLOADS_PER_IP_HOUR", 120)):
            raise RateLimited(_("Too many photos were sent from this network in the last hour. Please try again later."), code="rate_ip")
        return
    if ip and not _hit(_key("ip", ip), getattr(settings, "VOLUNTEER_REPORTS_PER_IP_HOUR", 30)):
        raise RateLimited(
            _("Too many reports were sent from this network in the last hour. Please try again in an hour, or call the community office."),
            code="rate_ip",
        )
    if phone and not _hit(_key("phone", phone), getattr(settings, "VOLUNTEER_REPORTS_PER_PHONE_HOUR", 10)):
        raise RateLimited(
            _("This phone number has sent %(n)s reports in the last hour, the most we accept. Please try again later.")
            % {"n": getattr(settings, "VOLUNTEER_REPORTS_PER_PHONE_HOUR", 10)},
            code="rate_phone",
        )


# --- the public report page ------------------------------------------------------------------------

def public_upload_user():
    """The account that owns photos uploaded on the public page while its form is filled in
    (cases.PendingUpload needs an owner; the form's random UUID is what keeps them apart).
    It cannot log in."""
    user, created = User.objects.get_or_create(username=PUBLIC_UPLOAD_USERNAME, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def public_upload_create(*, form_uuid, file, ip: str = "") -> PendingUpload:
    rate_limit_check(ip=ip, what="upload")
    return pending_upload_create(user=public_upload_user(), form_uuid=form_uuid, slot=PendingUpload.Slot.REPORT, file=file)


def public_upload_delete(*, form_uuid, upload_id: int) -> bool:
    deleted, _detail = PendingUpload.objects.filter(user__username=PUBLIC_UPLOAD_USERNAME, form_uuid=form_uuid, pk=upload_id).delete()
    return bool(deleted)


def problem_type_category(key: str) -> CaseCategory:
    ptype = BY_KEY.get(key)
    category = CaseCategory.objects.filter(code=ptype.category_code, is_active=True).first() if ptype else None
    if category is None:
        raise VolunteerError(_("Choose what kind of problem it is."), code="problem_type")
    return category


def resolve_location(*, team: Team, latitude: float | None, longitude: float | None, grid_code: str = "") -> tuple[Region, float, float]:
    """The grid of the report: the one picked from the list, or the one the phone's position is in.
    The report must be inside the poster's community (it lands in that community's triage)."""
    if grid_code:
        grid = Region.objects.filter(code=grid_code, level=Region.Level.GRID, path__startswith=team.region_path).first()
        if grid is None:
            raise VolunteerError(_("Pick a place from the list."), code="location")
        if latitude is not None and longitude is not None and grid_for_point(lat=latitude, lng=longitude, within_path=grid.path):
            return grid, latitude, longitude  # the phone's position is inside the picked grid: keep it
        if grid.centre_lat is None or grid.centre_lng is None:
            raise VolunteerError(_("This place has no map position yet; use your phone's location."), code="location")
        return grid, grid.centre_lat, grid.centre_lng
    if latitude is None or longitude is None:
        raise VolunteerError(_("The location is missing: allow location access, or pick the place from the list."), code="location")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise VolunteerError(_("The location is not valid; pick the place from the list."), code="location")
    grid = grid_for_point(lat=latitude, lng=longitude, within_path=team.region_path)
    if grid is None:
        raise VolunteerError(
            _("Your location is outside %(community)s. Pick the place from the list, or use the QR code of the community you are in.")
            % {"community": team.village.name},
            code="location",
        )
    return grid, latitude, longitude


def approved_volunteer_for_phone(phone: str) -> Volunteer | None:
    if not phone:
        return None
    return Volunteer.objects.filter(phone=phone, status=Volunteer.Status.APPROVED).select_related("team").first()


@dataclass
class PublicReportInput:
    client_uuid: object
    phone: str = ""
    problem_type: str = ""
    latitude: float | None = None
    longitude: float | None = None
    grid_code: str = ""
    address: str = ""
    description: str = ""
    self_handled: bool = False


def public_report_submit(*, team: Team, data: PublicReportInput, ip: str = "") -> tuple[VolunteerReport, bool]:
    """A report from the public page: a case waiting for the community's triage, its link row and
    status token, with the photos uploaded for this form. Returns ``(report, created)``.

    Idempotent by the form's UUID: a double tap or a retry returns the first report (and is not
    counted against the rate limit). Nothing is written unless everything succeeds; uploaded
    photos stay for a corrected resubmit.
    """
    existing = VolunteerReport.objects.filter(case__client_uuid=data.client_uuid).select_related("case").first()
    if existing is not None:
        return existing, False
    phone = normalise_phone(data.phone) if (data.phone or "").strip() else ""
    rate_limit_check(ip=ip, phone=phone)
    category = problem_type_category(data.problem_type)
    grid, latitude, longitude = resolve_location(team=team, latitude=data.latitude, longitude=data.longitude, grid_code=data.grid_code)
    pendings = list(PendingUpload.objects.filter(
        user__username=PUBLIC_UPLOAD_USERNAME, form_uuid=data.client_uuid, slot=PendingUpload.Slot.REPORT,
    ).order_by("created_at", "id"))
    if not any(p.kind == CaseAttachment.Kind.PHOTO for p in pendings):
        raise VolunteerError(_("Add a photo of the problem."), code="photo")
    volunteer = approved_volunteer_for_phone(phone)
    if data.self_handled and volunteer is None:
        raise VolunteerError(_("Only a registered volunteer can report a problem as handled; untick the box."), code="self_handled")
    if data.self_handled and not category.on_discovery:
        raise VolunteerError(_("This kind of problem must be handled by the departments; untick the box."), code="self_handled")
    ptype = BY_KEY[data.problem_type]
    description = (data.description or "").strip() or _stored(ptype.label)
    if data.self_handled:
        description = _stored(gettext_lazy("[Handled by the reporter] %(text)s"), text=description)
    source = Case.Source.VOLUNTEER if volunteer else Case.Source.PUBLIC_QR
    reporter_name = volunteer.name if volunteer else _stored(gettext_lazy("Resident"))
    try:
        with transaction.atomic():
            case, created = case_report(
                reporter=None, client_uuid=data.client_uuid, category=category, description=description[:2000],
                latitude=latitude, longitude=longitude, address=(data.address or "").strip()[:200], source=source,
                checked=pending_checked(pendings), reporter_name=reporter_name, reporter_phone=phone, grid=grid,
            )
            if not created:  # the same form raced in from another request
                raise IntegrityError
            report = VolunteerReport.objects.create(
                case=case, team=team, volunteer=volunteer, region_path=grid.path, problem_type=ptype.key,
                claims_self_handled=data.self_handled,
            )
            consume_pending(pendings)
    except IntegrityError:
        existing = VolunteerReport.objects.filter(case__client_uuid=data.client_uuid).first()
        if existing is None:
            raise
        return existing, False
    except CaseActionError as exc:
        raise VolunteerError(exc.messages, code=exc.code) from None
    return report, True


# --- triage (初筛) -----------------------------------------------------------------------------------

def _award_for_outcome(report: VolunteerReport, outcome: str, by=None) -> None:
    if report.volunteer_id is None:
        return  # anonymous residents earn no points
    kind = {O.ADOPTED: PointEntry.Kind.ADOPTED, O.SELF_HANDLED: PointEntry.Kind.SELF_HANDLED}.get(outcome)
    if kind is None:
        return
    points = rule_points(kind)
    if points:
        points_add(volunteer_id=report.volunteer_id, kind=kind, points=points, report=report, by=by, at=report.decided_at)


def triage_decide(*, report: VolunteerReport, outcome: str, by, note: str = "", into: Case | None = None,
                  expected_version: int | None = None, at: dt.datetime | None = None) -> VolunteerReport:
    """初筛 of a volunteer / public report, and the points it earns, in one transaction.

    * adopted → the case is registered (and routed by dispatch);
    * self_handled → the volunteer fixed it (the photo is on the case): the case is closed
      without registration (不予立案, reason 已由兼职网格员自主处理) and the report is counted;
    * duplicate → the case is merged into the original ``into``;
    * rejected → the case is rejected with the reason.

    ``at`` backdates the decision and its points (demo data, imports of a paper ledger).
    """
    if outcome not in {O.ADOPTED, O.SELF_HANDLED, O.DUPLICATE, O.REJECTED}:
        raise VolunteerError(_("Choose a decision."), code="outcome")
    note = (note or "").strip()
    if not path_in_scope(by, report.region_path):
        raise VolunteerError(_("This report is outside your jurisdiction."), code="scope")
    try:
        with transaction.atomic():
            locked = VolunteerReport.objects.select_for_update(of=("self",)).select_related("case", "volunteer").get(pk=report.pk)
            if locked.outcome != O.PENDING:
                raise VolunteerError(_("This report was already decided (%(outcome)s).") % {"outcome": locked.get_outcome_display()}, code="decided")
            case = locked.case
            if outcome == O.ADOPTED:
                case_transition(case=case, action="register", actor=by, expected_version=expected_version, note=note)
            elif outcome == O.SELF_HANDLED:
                if locked.volunteer_id is None:
                    raise VolunteerError(_("Only a registered volunteer's report can be counted as handled by them."), code="self_handled")
                if not case.attachments.filter(kind=CaseAttachment.Kind.PHOTO).exists():
                    raise VolunteerError(_("Handled by the volunteer needs a photo; this report has none."), code="photo")
                case_transition(
                    case=case, action="reject", actor=by, expected_version=expected_version,
                    note=note or _stored(gettext_lazy("Handled by volunteer %(name)s on the spot."), name=locked.volunteer.name),
                    data={"volunteer_outcome": O.SELF_HANDLED.value},
                )
            elif outcome == O.DUPLICATE:
                if into is None:
                    raise VolunteerError(_("Enter the number of the original case."), code="into")
                case_merge(case=case, into=into, actor=by, note=note, expected_version=expected_version)
            else:
                if not note:
                    raise VolunteerError(_("Give a reason for not adopting the report; the reporter will see it."), code="note")
                case_transition(case=case, action="reject", actor=by, expected_version=expected_version, note=note)
            locked.outcome, locked.outcome_note = outcome, note[:200]
            locked.decided_by, locked.decided_at = by, at or timezone.now()
            locked.save(update_fields=["outcome", "outcome_note", "decided_by", "decided_at"])
            _award_for_outcome(locked, outcome, by=by)
    except CaseActionError as exc:
        raise VolunteerError(exc.messages, code=exc.code) from None
    return locked


def report_sync(*, report: VolunteerReport) -> VolunteerReport:
    """Record the outcome of a report decided on the cases pages (register / reject / merge from
    /cases/triage/) and award its points. Idempotent; cheap when nothing changed."""
    if report.outcome != O.PENDING:
        return report
    case = report.case
    if case.status in {Case.Status.PENDING_TRIAGE, Case.Status.REPORTED}:
        return report
    last = case.events.exclude(action__in=["report", "triage", "merged_in"]).order_by("at", "id").first()
    if case.status == Case.Status.MERGED or (last is not None and last.action == "merge"):
        outcome = O.DUPLICATE
    elif last is not None and last.action in {"reject", "cancel"} or case.status in {Case.Status.REJECTED, Case.Status.CANCELLED}:
        outcome = O.REJECTED
    else:
        outcome = O.ADOPTED  # registered, then whatever followed
    with transaction.atomic():
        locked = VolunteerReport.objects.select_for_update().get(pk=report.pk)
        if locked.outcome != O.PENDING:
            return locked
        locked.outcome = outcome
        locked.outcome_note = (last.note if last is not None and outcome == O.REJECTED else "")[:200]
        locked.decided_by_id = last.actor_id if last is not None else None
        locked.decided_at = last.at if last is not None else timezone.now()
        locked.save(update_fields=["outcome", "outcome_note", "decided_by", "decided_at"])
        _award_for_outcome(locked, outcome)
    return locked


def reports_sync_pending(*, limit: int = 500) -> int:
    """Sync reports still pending here whose case left triage elsewhere (a periodic task)."""
    stale = list(
        VolunteerReport.objects.filter(outcome=O.PENDING)
        .exclude(case__status__in=[Case.Status.PENDING_TRIAGE, Case.Status.REPORTED])
        .select_related("case")[:limit]
    )
    for report in stale:
        report_sync(report=report)
    return len(stale)


# --- points (积分) ------------------------------------------------------------------------------------

def rule_points(code: str) -> int:
    rule = PointRule.objects.filter(code=code).first()
    if rule is None:
        return DEFAULT_RULE_POINTS.get(code, 0)
    return rule.points if rule.is_active else 0


def _append(*, volunteer: Volunteer, kind: str, points: int, by=None, report=None, redemption=None,
            period: str = "", note: str = "", at: dt.datetime | None = None) -> PointEntry:
    """Append one ledger line to a volunteer whose row the caller has locked."""
    balance = volunteer.points_balance + points
    if balance < 0:
        raise PointsError(
            _("Not enough points: %(have)s held, %(need)s needed.") % {"have": volunteer.points_balance, "need": -points},
            code="points",
        )
    entry = PointEntry.objects.create(
        volunteer=volunteer, kind=kind, points=points, balance_after=balance, report=report, redemption=redemption,
        period=period, note=note[:200], created_by=by, created_at=at or timezone.now(),
    )
    volunteer.points_balance = balance
    fields = ["points_balance", "updated_at"]
    if kind in PointEntry.EARNING_KINDS:
        volunteer.points_earned = max(0, volunteer.points_earned + points)
        fields.append("points_earned")
    volunteer.save(update_fields=fields)
    return entry


def points_add(*, volunteer_id: int, kind: str, points: int, by=None, report=None, period: str = "", note: str = "",
               at: dt.datetime | None = None) -> PointEntry | None:
    """Award (or, for a correction, take back) points. An award already given for the same report
    (or month) is not given again: returns None."""
    if points == 0:
        raise VolunteerError(_("Enter a number of points other than zero."), code="points")
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer_id)
        if report is not None and PointEntry.objects.filter(report=report, kind=kind).exists():
            return None
        if kind == PointEntry.Kind.MONTHLY_ACTIVITY and PointEntry.objects.filter(volunteer=volunteer, kind=kind, period=period).exists():
            return None
        return _append(volunteer=volunteer, kind=kind, points=points, by=by, report=report, period=period, note=note, at=at)


def points_correct(*, volunteer: Volunteer, points: int, note: str, by) -> PointEntry:
    """更正: a correction is a new ledger line with a reason (the ledger is never edited)."""
    if not path_in_scope(by, volunteer.region_path):
        raise VolunteerError(_("This volunteer is outside your jurisdiction."), code="scope")
    if not (note or "").strip():
        raise VolunteerError(_("Give a reason for the correction."), code="note")
    if abs(points) > 1000:
        raise VolunteerError(_("A correction is at most 1000 points."), code="points")
    return points_add(volunteer_id=volunteer.pk, kind=PointEntry.Kind.CORRECTION, points=points, by=by, note=note.strip())


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    end = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=tz)
    return start, end


def monthly_activity_award(*, month: dt.date) -> int:
    """+N (rule 月度活跃) for every approved volunteer who reported at least once in `month`
    (local time). Idempotent: a second run awards nothing. Returns the number awarded."""
    points = rule_points(PointRule.Code.MONTHLY_ACTIVITY)
    if not points:
        return 0
    start, end = _month_bounds(month)
    period = f"{month:%Y-%m}"
    active = (
        VolunteerReport.objects.filter(created_at__gte=start, created_at__lt=end, volunteer__status=Volunteer.Status.APPROVED)
        .values("volunteer_id").annotate(n=Count("id")).values_list("volunteer_id", flat=True)
    )
    done = set(PointEntry.objects.filter(kind=PointEntry.Kind.MONTHLY_ACTIVITY, period=period).values_list("volunteer_id", flat=True))
    awarded = 0
    for volunteer_id in sorted(set(active) - done):
        try:
            if points_add(volunteer_id=volunteer_id, kind=PointEntry.Kind.MONTHLY_ACTIVITY, points=points, period=period,
                          at=min(end - dt.timedelta(seconds=1), timezone.now())):
                awarded += 1
        except IntegrityError:  # a concurrent run got there first
            continue
    return awarded


# --- rewards and redemptions (积分兑换) ---------------------------------------------------------------

def reward_save(*, team: Team, by, name: str, kind: str, cost: int, stock: int | None, description: str = "",
                is_active: bool = True, reward: Reward | None = None) -> Reward:
    if not path_in_scope(by, team.region_path):
        raise VolunteerError(_("This team is outside your jurisdiction."), code="scope")
    reward = reward or Reward(team=team, region_path=team.region_path)
    reward.name, reward.kind, reward.cost, reward.stock = name.strip(), kind, cost, stock
    reward.description, reward.is_active = description.strip(), is_active
    reward.full_clean()
    reward.save()
    return reward


# request → approve → hand_over; reject (refund) from requested or approved.
REDEMPTION_TRANSITIONS = {
    "approve": ({Redemption.Status.REQUESTED}, Redemption.Status.APPROVED),
    "hand_over": ({Redemption.Status.APPROVED}, Redemption.Status.HANDED_OVER),
    "reject": ({Redemption.Status.REQUESTED, Redemption.Status.APPROVED}, Redemption.Status.REJECTED),
}


def redemption_request(*, volunteer: Volunteer, reward: Reward, by=None) -> Redemption:
    """Ask for a reward: the points and one unit of stock are reserved at once (one transaction,
    row locks on the volunteer then the reward), so concurrent requests can never overspend."""
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if locked.status != Volunteer.Status.APPROVED:
            raise PointsError(_("Only an approved volunteer can redeem points."), code="volunteer")
        item = Reward.objects.select_for_update().get(pk=reward.pk)
        if not item.is_active or item.team_id != locked.team_id:
            raise PointsError(_("This reward is not offered to you."), code="reward")
        if item.stock is not None and item.stock < 1:
            raise PointsError(_("“%(name)s” is out of stock.") % {"name": item.name}, code="stock")
        if locked.points_balance < item.cost:
            raise PointsError(
                _("Not enough points: “%(name)s” needs %(need)s, you hold %(have)s.")
                % {"name": item.name, "need": item.cost, "have": locked.points_balance},
                code="points",
            )
        redemption = Redemption.objects.create(
            volunteer=locked, reward=item, region_path=locked.region_path, points=item.cost, requested_by=by,
        )
        if item.stock is not None:
            item.stock -= 1
            item.save(update_fields=["stock", "updated_at"])
        _append(volunteer=locked, kind=PointEntry.Kind.REDEMPTION, points=-item.cost, by=by, redemption=redemption,
                note=item.name)
    return redemption


def redemption_transition(*, redemption: Redemption, action: str, by, note: str = "") -> Redemption:
    """Approve, hand over, or reject (points and stock given back) a redemption."""
    if action not in REDEMPTION_TRANSITIONS:
        raise VolunteerError(_("Unknown action."), code="action")
    if not path_in_scope(by, redemption.region_path):
        raise VolunteerError(_("This redemption is outside your jurisdiction."), code="scope")
    sources, target = REDEMPTION_TRANSITIONS[action]
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=redemption.volunteer_id)
        locked = Redemption.objects.select_for_update(of=("self",)).select_related("reward").get(pk=redemption.pk)
        if locked.status not in sources:
            raise VolunteerError(
                _("This redemption is now “%(status)s”; that is no longer possible.") % {"status": locked.get_status_display()},
                code="state",
            )
        now = timezone.now()
        locked.status = target
        fields = ["status", "updated_at"]
        if action == "hand_over":
            locked.handed_over_by, locked.handed_over_at = by, now
            fields += ["handed_over_by", "handed_over_at"]
        else:
            if action == "reject" and not (note or "").strip():
                raise VolunteerError(_("Give a reason for rejecting; the volunteer will see it."), code="note")
            locked.decided_by, locked.decided_at = by, now
            fields += ["decided_by", "decided_at"]
        if note:
            locked.note = note.strip()[:200]
            fields.append("note")
        locked.save(update_fields=fields)
        if action == "reject":
            reward = Reward.objects.select_for_update().get(pk=locked.reward_id)
            if reward.stock is not None:
                reward.stock += 1
                reward.save(update_fields=["stock", "updated_at"])
            _append(volunteer=volunteer, kind=PointEntry.Kind.REFUND, points=locked.points, by=by, redemption=locked,
                    note=locked.reward.name)
    return locked


def ensure_default_rules() -> None:
    for code, points in DEFAULT_RULE_POINTS.items():
        PointRule.objects.get_or_create(code=code, defaults={"points": points})
