"""Reads of the volunteers app. Every staff-side queryset goes through grids.scoping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Region
from grids.scoping import get_in_scope_or_404, scope

from .models import PointEntry, Redemption, Reward, Team, Volunteer, VolunteerReport

O = VolunteerReport.Outcome


# --- staff side ------------------------------------------------------------------------------------

def team_list(*, user) -> QuerySet[Team]:
    return scope(Team.objects.select_related("village", "village__parent"), user).annotate(
        members=Count("volunteers", filter=Q(volunteers__status=Volunteer.Status.APPROVED), distinct=True),
        waiting=Count("volunteers", filter=Q(volunteers__status=Volunteer.Status.PENDING), distinct=True),
    ).order_by("region_path")


def villages_without_team(*, user) -> QuerySet[Region]:
    return scope(Region.objects.filter(level=Region.Level.VILLAGE, volunteer_team__isnull=True), user).order_by("path")


def team_get_for_user(*, user, code: str) -> Team:
    return get_in_scope_or_404(Team.objects.select_related("village"), user, village__code=code)


def village_get_for_user(*, user, code: str) -> Region:
    return get_in_scope_or_404(Region.objects.filter(level=Region.Level.VILLAGE), user, code=code)


def volunteer_list(*, team: Team, user, status: str | None = None) -> QuerySet[Volunteer]:
    qs = scope(team.volunteers.all(), user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-points_earned", "name", "id")


def volunteer_get_for_user(*, user, pk: int) -> Volunteer:
    return get_in_scope_or_404(Volunteer.objects.select_related("team", "team__village"), user, pk=pk)


def triage_reports(*, user, team: Team | None = None) -> QuerySet[VolunteerReport]:
    """初筛 queue: reports in my scope still waiting for a decision, oldest first."""
    qs = scope(VolunteerReport.objects.filter(outcome=O.PENDING), user)
    if team is not None:
        qs = qs.filter(team=team)
    return qs.select_related("case", "case__category", "case__grid", "volunteer", "team").order_by("created_at", "id")


def report_get_for_user(*, user, pk: int) -> VolunteerReport:
    return get_in_scope_or_404(VolunteerReport.objects.select_related("case", "volunteer", "team"), user, pk=pk)


def redemptions_open(*, user) -> QuerySet[Redemption]:
    return scope(
        Redemption.objects.filter(status__in=[Redemption.Status.REQUESTED, Redemption.Status.APPROVED]), user
    ).select_related("volunteer", "reward").order_by("created_at", "id")


def redemption_get_for_user(*, user, pk: int) -> Redemption:
    return get_in_scope_or_404(Redemption.objects.select_related("volunteer", "reward"), user, pk=pk)


def rewards_for_team(*, team: Team, active_only: bool = False) -> QuerySet[Reward]:
    qs = team.rewards.all()
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("cost", "id")


def reward_get_for_user(*, user, pk: int) -> Reward:
    return get_in_scope_or_404(Reward.objects.select_related("team", "team__village"), user, pk=pk)


# --- community views: leaderboard and monthly summary -----------------------------------------------

@dataclass
class Leader:
    volunteer: Volunteer
    points: int
    rank: int


def leaderboard(*, team: Team, month: dt.date | None = None, limit: int = 20) -> list[Leader]:
    """积分榜: by cumulative points earned (one indexed query), or by points earned in `month`."""
    if month is None:
        rows = list(team.volunteers.filter(status=Volunteer.Status.APPROVED).order_by("-points_earned", "id")[:limit])
        return [Leader(v, v.points_earned, i) for i, v in enumerate(rows, start=1)]
    start, end = month_bounds(month)
    # One query: the team's volunteers joined to their ledger lines of the month (index vol_ledger_idx).
    rows = list(
        team.volunteers.filter(
            ledger__kind__in=PointEntry.EARNING_KINDS, ledger__created_at__gte=start, ledger__created_at__lt=end,
        ).annotate(month_points=Sum("ledger__points")).filter(month_points__gt=0).order_by("-month_points", "id")[:limit]
    )
    return [Leader(v, v.month_points, i) for i, v in enumerate(rows, start=1)]


@dataclass
class MonthSummary:
    month: dt.date
    reports: int = 0
    adopted: int = 0
    self_handled: int = 0
    duplicate: int = 0
    rejected: int = 0
    points: int = 0
    reporters: int = 0


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    end = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=tz)
    return start, end


def _months_back(today: dt.date, n: int) -> list[dt.date]:
    months, year, month = [], today.year, today.month
    for _i in range(n):
        months.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def monthly_summary(*, team: Team, months: int = 6, today: dt.date | None = None) -> list[MonthSummary]:
    """Per month (local time), newest first: reports, adopted, self-handled, duplicates,
    rejected, distinct reporters and points earned. Two grouped queries."""
    today = today or timezone.localdate()
    wanted = _months_back(today, months)
    start, _end = month_bounds(wanted[-1])
    out = {m: MonthSummary(month=m) for m in wanted}
    tz = timezone.get_default_timezone()
    rows = (
        VolunteerReport.objects.filter(team=team, created_at__gte=start)
        .annotate(m=TruncMonth("created_at", tzinfo=tz)).values("m")
        .annotate(
            reports=Count("id"),
            adopted=Count("id", filter=Q(outcome=O.ADOPTED)),
            self_handled=Count("id", filter=Q(outcome=O.SELF_HANDLED)),
            duplicate=Count("id", filter=Q(outcome=O.DUPLICATE)),
            rejected=Count("id", filter=Q(outcome=O.REJECTED)),
            reporters=Count("volunteer", distinct=True),
        ).order_by()
    )
    for row in rows:
        key = _as_date(row["m"])
        if key in out:
            s = out[key]
            s.reports, s.adopted, s.self_handled = row["reports"], row["adopted"], row["self_handled"]
            s.duplicate, s.rejected, s.reporters = row["duplicate"], row["rejected"], row["reporters"]
    points = (
        PointEntry.objects.filter(volunteer__team=team, kind__in=PointEntry.EARNING_KINDS, created_at__gte=start)
        .annotate(m=TruncMonth("created_at", tzinfo=tz)).values("m").annotate(total=Sum("points")).order_by()
    )
    for row in points:
        key = _as_date(row["m"])
        if key in out:
            out[key].points = row["total"] or 0
    return [out[m] for m in wanted]


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date().replace(day=1)
    return value.replace(day=1)


def team_totals(*, team: Team) -> dict:
    return VolunteerReport.objects.filter(team=team).aggregate(
        reports=Count("id"),
        adopted=Count("id", filter=Q(outcome=O.ADOPTED)),
        self_handled=Count("id", filter=Q(outcome=O.SELF_HANDLED)),
        pending=Count("id", filter=Q(outcome=O.PENDING)),
    )


# --- public side (no login: only what the token holder may see) ---------------------------------------

def team_by_report_code(*, code: str) -> Team:
    team = Team.objects.select_related("village").filter(report_code=code).first()
    if team is None:
        raise Http404(_("This report code is not valid. Scan the code on the community's poster again."))
    return team


def team_grids(*, team: Team) -> QuerySet[Region]:
    return Region.objects.filter(parent_id=team.village_id, level=Region.Level.GRID).only("code", "name").order_by("code")


def report_by_token(*, token: str) -> VolunteerReport:
    report = (
        VolunteerReport.objects.select_related("case", "case__category", "team", "team__village", "volunteer")
        .filter(token=token).first()
    ) if token else None
    if report is None:
        raise Http404(_("This status link is not valid."))
    return report


def volunteer_by_card(*, token: str) -> Volunteer:
    volunteer = Volunteer.objects.select_related("team", "team__village").filter(card_token=token).first() if token else None
    if volunteer is None or volunteer.status != Volunteer.Status.APPROVED:
        raise Http404(_("This volunteer card is not valid."))
    return volunteer


def ledger_for(*, volunteer: Volunteer, limit: int = 50) -> list[PointEntry]:
    return list(volunteer.ledger.select_related("report__case").order_by("-created_at", "-id")[:limit])


def reports_of(*, volunteer: Volunteer, limit: int = 20) -> list[VolunteerReport]:
    return list(volunteer.reports.select_related("case", "case__category").order_by("-created_at", "-id")[:limit])
