"""Reads of the credit app. Every enterprise queryset that reaches a user goes through grids.scoping.scope.

The *effective* colour of an enterprise is the colour of an active override (unrevoked,
now inside its window) if there is one, else the computed colour; it is evaluated in SQL
at read time, so an override stops counting the moment it expires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case, CharField, Count, DateTimeField, ExpressionWrapper, F, IntegerField, Max, OuterRef, Q, QuerySet,
    Subquery, Value, When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.need_to_know import case_scope
from grids.scoping import get_in_scope_or_404, scope

from .models import COLOUR_RANK, ColourOverride, Colour, CreditScoreHistory, Enterprise, PlacardToken
from .policy import interval_days, policy

PAGE_SIZE = 50


# =========================================================================== colour expressions

def _active_overrides(now, enterprise_ref: str):
    return ColourOverride.objects.filter(
        enterprise=OuterRef(enterprise_ref), revoked_at__isnull=True, starts_at__lte=now, expires_at__gt=now,
    ).order_by("-created_at", "-id")


def effective_colour(*, now=None, prefix: str = "", enterprise_ref: str = "pk"):
    """SQL expression: the active override's colour, else the computed colour (``prefix`` = path to the enterprise)."""
    now = now or timezone.now()
    override = Subquery(_active_overrides(now, enterprise_ref).values("colour")[:1], output_field=CharField())
    return Coalesce(override, F(f"{prefix}credit__colour"), output_field=CharField())


def colour_rank(field: str):
    return Case(
        *(When(**{field: colour}, then=Value(rank)) for colour, rank in COLOUR_RANK.items()),
        default=Value(len(COLOUR_RANK)), output_field=IntegerField(),
    )


def with_credit(qs: QuerySet[Enterprise], *, now=None) -> QuerySet[Enterprise]:
    now = now or timezone.now()
    return qs.select_related("credit", "region").annotate(
        effective_colour=effective_colour(now=now),
        override_colour=Subquery(_active_overrides(now, "pk").values("colour")[:1], output_field=CharField()),
    )


# =========================================================================== registry

def enterprise_queryset(*, user, verb: str = "view") -> QuerySet[Enterprise]:
    return scope(Enterprise.objects.filter(deleted_at__isnull=True), user, verb=verb)


def enterprise_list(*, user, filters: dict | None = None) -> QuerySet[Enterprise]:
    filters = filters or {}
    qs = with_credit(enterprise_queryset(user=user))
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()) | Q(address__icontains=q))
    if colour := filters.get("colour"):
        qs = qs.filter(effective_colour=colour) if colour != "unrated" else qs.filter(credit__isnull=True)
    if klass := filters.get("credit_class"):
        qs = qs.filter(credit__credit_class=klass)
    if region := filters.get("region"):
        qs = qs.filter(region_path__startswith=region.path)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if industry := (filters.get("industry") or "").strip():
        qs = qs.filter(industry__icontains=industry)
    return qs.order_by(colour_rank("effective_colour"), "name", "id")


def enterprise_colour_counts(qs: QuerySet[Enterprise]) -> dict[str, int]:
    rows = qs.order_by().values("effective_colour").annotate(n=Count("id"))
    counts = {row["effective_colour"] or "unrated": row["n"] for row in rows}
    return {c: counts.get(c, 0) for c in (*Colour.values, "unrated")}


def enterprise_get_for_user(*, user, pk: int, verb: str = "view") -> Enterprise:
    return get_in_scope_or_404(with_credit(enterprise_queryset(user=user, verb=verb)).select_related("place", "region__parent"), user, verb=verb, pk=pk)


def uscc_taken(*, uscc: str, exclude_pk: int | None = None) -> Enterprise | None:
    """The enterprise already holding this code (deleted ones included: the code stays taken)."""
    qs = Enterprise.objects.filter(uscc=uscc)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def last_inspected_at(*, enterprise: Enterprise):
    if not enterprise.place_id:
        return None
    from inspections.models import Inspection

    return Inspection.objects.filter(place_id=enterprise.place_id, status=Inspection.Status.SUBMITTED).aggregate(
        last=Max("submitted_at")
    )["last"]


def enterprise_detail(*, user, enterprise: Enterprise) -> dict:
    """Everything the detail page shows beyond the record itself (a fixed number of queries)."""
    from cases.models import Case
    from dispatch.models import RectificationNotice
    from inspections.models import Inspection

    from .scoring import factor_text

    credit = getattr(enterprise, "credit", None)
    factors = [dict(f, text=factor_text(f)) for f in (credit.factors if credit else [])]
    history = list(enterprise.credit_history.order_by("-computed_at", "-id")[:20])
    for h in history:
        h.factor_texts = [factor_text(f) for f in h.factors]
    overrides = list(enterprise.colour_overrides.select_related("created_by__profile", "revoked_by__profile")[:20])
    cases = list(
        case_scope(Case.objects.filter(enterprise_link__enterprise=enterprise), user)
        .select_related("category").order_by("-created_at")[:50]
    )
    notices = list(
        scope(
            RectificationNotice.objects.filter(Q(party_code=enterprise.uscc) | Q(case__enterprise_link__enterprise=enterprise)),
            user,
        ).select_related("department").distinct().order_by("-created_at")[:50]
    )
    inspections = []
    if enterprise.place_id:
        inspections = list(
            scope(Inspection.objects.filter(place_id=enterprise.place_id, status=Inspection.Status.SUBMITTED), user)
            .select_related("scene", "inspector__profile").order_by("-submitted_at")[:20]
        )
    now = timezone.now()
    colour = enterprise.effective_colour
    last = inspections[0].submitted_at if inspections else None
    interval = interval_days(colour)
    due_at = last + dt.timedelta(days=interval) if last else None
    return {
        "credit": credit,
        "factors": factors,
        "history": history,
        "overrides": overrides,
        "active_override": next((o for o in overrides if o.revoked_at is None and o.starts_at <= now < o.expires_at), None),
        "cases": cases,
        "notices": notices,
        "inspections": inspections,
        "last_inspected_at": last,
        "interval_days": interval,
        "due_at": due_at,
        "ratings": list(enterprise.department_ratings.select_related("department")[:20]),
        "vetoes": list(enterprise.vetoes.all()[:20]),
        "placards": list(enterprise.placard_tokens.filter(revoked_at__isnull=True)[:5]),
    }


def history_for(*, enterprise: Enterprise) -> QuerySet[CreditScoreHistory]:
    return enterprise.credit_history.order_by("-computed_at", "-id")


def licence_photo_for_user(*, user, pk: int) -> Enterprise:
    enterprise = enterprise_get_for_user(user=user, pk=pk)
    if not enterprise.licence_photo:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return enterprise


def places_for_linking(*, user, enterprise: Enterprise):
    """Places in the enterprise's grid (and the user's jurisdiction) not yet linked to another enterprise."""
    from inspections.models import Place

    qs = scope(Place.objects.filter(region_path__startswith=enterprise.region_path), user)
    return qs.filter(Q(enterprise__isnull=True) | Q(enterprise=enterprise)).order_by("name")[:200]


# =========================================================================== graded supervision

def _place_colour(now):
    """Effective colour of the (live) enterprise at a Place, as an SQL expression; NULL = not rated / no enterprise."""
    override = Subquery(
        ColourOverride.objects.filter(
            enterprise__place=OuterRef("pk"), enterprise__deleted_at__isnull=True, revoked_at__isnull=True,
            starts_at__lte=now, expires_at__gt=now,
        ).order_by("-created_at", "-id").values("colour")[:1],
        output_field=CharField(),
    )
    computed = Case(When(enterprise__deleted_at__isnull=True, then=F("enterprise__credit__colour")), default=Value(None), output_field=CharField())
    return Coalesce(override, computed, output_field=CharField())


def due_places(places: QuerySet, *, now=None, limit: int | None = 20) -> list:
    """The places of `places` (already scoped, annotated with ``last_inspected_at``) due for inspection.

    A place is due when it was never inspected, or its last inspection is older than the
    interval of its enterprise's colour (``policy()["interval_days"]``; places that are not
    an enterprise, or not rated yet, use "unrated"). Ordered by days overdue (never
    inspected first), then colour (red first), then name. Each place gets ``credit_colour``,
    ``interval_days``, ``due_at`` and ``days_overdue``.
    """
    now = now or timezone.now()
    p = policy()
    intervals = p["interval_days"]
    qs = places.annotate(credit_colour=_place_colour(now))
    due_at = Case(
        *(When(credit_colour=c, then=ExpressionWrapper(F("last_inspected_at") + dt.timedelta(days=intervals[c]), output_field=DateTimeField()))
          for c in Colour.values),
        default=ExpressionWrapper(F("last_inspected_at") + dt.timedelta(days=intervals["unrated"]), output_field=DateTimeField()),
        output_field=DateTimeField(),
    )
    qs = qs.annotate(due_at=due_at).filter(Q(last_inspected_at__isnull=True) | Q(due_at__lt=now))
    rows = list(qs.order_by(F("due_at").asc(nulls_first=True), colour_rank("credit_colour"), "name", "id"))
    today = timezone.localdate(now)
    for place in rows:
        place.interval_days = interval_days(place.credit_colour, p)
        place.days_overdue = (today - timezone.localdate(place.due_at)).days if place.due_at else None
    # Days overdue, then colour: a stable re-sort by whole days (the SQL order is by the instant).
    rows.sort(key=lambda pl: (pl.days_overdue is not None, -(pl.days_overdue or 0), COLOUR_RANK.get(pl.credit_colour, 3)))
    return rows[:limit] if limit else rows


@dataclass
class CoverageRow:
    region: object
    total: int
    covered: int
    by_colour: dict

    @property
    def share(self) -> float | None:
        return round(100 * self.covered / self.total, 1) if self.total else None


def coverage(*, user, level: int, now=None) -> list[CoverageRow]:
    """Share of live enterprises inspected within their colour's interval, per region of `level`
    (street = 2, grid = 4) inside the user's jurisdiction. Two queries whatever the numbers."""
    from grids.models import Region
    from inspections.models import Inspection

    now = now or timezone.now()
    p = policy()
    last = Subquery(
        Inspection.objects.filter(place_id=OuterRef("place_id"), status=Inspection.Status.SUBMITTED)
        .order_by("-submitted_at").values("submitted_at")[:1],
        output_field=DateTimeField(),
    )
    qs = enterprise_queryset(user=user).filter(status__in=Enterprise.ACTIVE_STATUSES).annotate(
        colour=effective_colour(now=now), last=last,
    )
    covered_q = Q()
    for c in (*Colour.values, None):
        days = p["interval_days"][c or "unrated"]
        cond = Q(colour=c) if c else Q(colour__isnull=True)
        covered_q |= cond & Q(last__gte=now - dt.timedelta(days=days))
    code_len = {2: 9, 3: 12, 4: 15}[level]
    # region_path = "440604/440604011/…": the ancestor at `level` is the level-th segment.
    rows = list(qs.values("region_path", "colour").annotate(total=Count("id"), covered=Count("id", filter=covered_q)).order_by())
    agg: dict[str, CoverageRow] = {}
    for row in rows:
        parts = row["region_path"].strip("/").split("/")
        if len(parts) < level:
            continue
        code = parts[level - 1]
        entry = agg.setdefault(code, CoverageRow(region=None, total=0, covered=0, by_colour={}))
        entry.total += row["total"]
        entry.covered += row["covered"]
        key = row["colour"] or "unrated"
        entry.by_colour[key] = entry.by_colour.get(key, 0) + row["total"]
    regions = {r.code: r for r in Region.objects.filter(code__in=list(agg)).select_related("parent")}
    out = []
    for code, entry in sorted(agg.items()):
        entry.region = regions.get(code)
        if entry.region is not None and len(code) == code_len:
            out.append(entry)
    return out


# =========================================================================== public placard

def placard_public(*, token: str) -> dict:
    """What the public page shows for a placard token: name, colour, last inspection date. Nothing personal.

    An unknown or revoked token, or a deleted enterprise, is a 404."""
    if not token or len(token) > 64:
        raise Http404
    row = (
        PlacardToken.objects.filter(token=token, revoked_at__isnull=True, enterprise__deleted_at__isnull=True)
        .select_related("enterprise").first()
    )
    if row is None:
        raise Http404
    enterprise = with_credit(Enterprise.objects.filter(pk=row.enterprise_id)).get()
    return {
        "name": enterprise.name,
        "colour": enterprise.effective_colour,
        "colour_label": dict(Colour.choices).get(enterprise.effective_colour, ""),
        "last_inspected_at": last_inspected_at(enterprise=enterprise),
    }
