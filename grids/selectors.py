"""Reads of the region tree; every list goes through grids.scoping.scope."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from . import geo
from .models import Region
from .scoping import get_in_scope_or_404, scope


def region_list(*, user, level: int | None = None, q: str = "") -> QuerySet[Region]:
    qs = scope(Region.objects.select_related("parent"), user)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(code__startswith=q)
    return qs.order_by("path")


def region_get_for_user(*, user, code: str) -> Region:
    return get_in_scope_or_404(Region.objects.select_related("parent"), user, code=code)


def region_children(*, region: Region, user) -> QuerySet[Region]:
    return scope(region.children.annotate(child_count=Count("children")), user).order_by("code")


def region_ancestors(*, region: Region) -> list[Region]:
    """Ancestors from the district down, in one query (codes are in the path)."""
    codes = [c for c in region.path.split("/") if c][:-1]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def grid_for_point(*, lat: float, lng: float, within_path: str = "") -> Region | None:
    """The grid whose boundary contains the point: bbox pre-filter, then polygon test.

    Over the grids kept per process (core/refdata.py, the "grids" stamp bumped by any save or
    delete of a Region: grids/apps.py), so locating a report costs no query. The grid returned
    is shared by the process: read-only."""
    for grid in _grids():
        if not (grid.min_lat <= lat <= grid.max_lat and grid.min_lng <= lng <= grid.max_lng):
            continue
        if within_path and not grid.path.startswith(within_path):
            continue
        if grid.boundary and geo.contains_point(grid.boundary, lng, lat):
            return grid
    return None


def _grids() -> list[Region]:
    from core import refdata

    def build():
        return list(Region.objects.filter(level=Region.Level.GRID, min_lat__isnull=False).order_by("code"))

    return refdata.cached("grids", build)


def user_grids(*, user) -> QuerySet[Region]:
    """The grids inside the user's jurisdiction (a grid worker's own grid(s))."""
    return scope(Region.objects.filter(level=Region.Level.GRID).select_related("parent"), user).order_by("code")


def district() -> Region | None:
    from django.conf import settings

    return Region.objects.filter(code=settings.ECOGRID_DISTRICT_CODE).first()


def region_level_counts(*, user) -> dict[int, int]:
    rows = scope(Region.objects.all(), user).values("level").annotate(n=Count("id")).order_by("level")
    return {row["level"]: row["n"] for row in rows}


def region_feature_collection(*, region: Region, user) -> dict:
    """GeoJSON of a region and its (in-scope) children, for the map."""
    features = []
    for r in [region, *region_children(region=region, user=user)]:
        if r.boundary:
            features.append({
                "type": "Feature",
                "geometry": r.boundary,
                "properties": {"code": r.code, "name": r.name, "level": r.level, "self": r.pk == region.pk},
            })
    return {"type": "FeatureCollection", "features": features}
