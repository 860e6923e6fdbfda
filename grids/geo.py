"""Plain-Python geometry for grid boundaries (GeoJSON, WGS-84 lng/lat).

Grids are small (hundreds of metres); ray casting on lng/lat is exact enough
and needs no GIS server. A bounding box stored on each region serves as the
indexed pre-filter, so a point lookup tests only a handful of polygons.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Ring = Sequence[Sequence[float]]  # [[lng, lat], ...]

EARTH_RADIUS_M = 6_371_008.8


class GeometryError(ValueError):
    pass


def polygons(geojson: dict) -> list[list[Ring]]:
    """Return the polygons of a GeoJSON Polygon/MultiPolygon (or Feature) as lists of rings."""
    if not isinstance(geojson, dict):
        raise GeometryError("GeoJSON must be an object")
    if geojson.get("type") == "Feature":
        geojson = geojson.get("geometry") or {}
    kind, coords = geojson.get("type"), geojson.get("coordinates")
    if kind == "Polygon":
        result = [coords]
    elif kind == "MultiPolygon":
        result = list(coords or [])
    else:
        raise GeometryError("only Polygon and MultiPolygon boundaries are supported")
    for poly in result:
        if not poly or any(len(ring) < 4 for ring in poly):
            raise GeometryError("a polygon ring needs at least 4 positions")
        for ring in poly:
            for pos in ring:
                if len(pos) < 2 or not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
                    raise GeometryError("positions must be [longitude, latitude] in degrees")
    return result


def _in_ring(lng: float, lat: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _on_segment(lng: float, lat: float, ring: Ring, tol: float) -> bool:
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        dx, dy = x2 - x1, y2 - y1
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0 else max(0.0, min(1.0, ((lng - x1) * dx + (lat - y1) * dy) / seg2))
        px, py = x1 + t * dx, y1 + t * dy
        if (lng - px) ** 2 + (lat - py) ** 2 <= tol * tol:
            return True
    return False


def contains_point(geojson: dict, lng: float, lat: float, *, tol: float = 1e-9) -> bool:
    """True if the point lies inside (or on the edge of) the boundary; holes are respected."""
    for poly in polygons(geojson):
        outer, holes = poly[0], poly[1:]
        if _on_segment(lng, lat, outer, tol):
            return True
        if _in_ring(lng, lat, outer) and not any(_in_ring(lng, lat, h) for h in holes):
            return True
    return False


def bbox(geojson: dict) -> tuple[float, float, float, float]:
    """(min_lng, min_lat, max_lng, max_lat)."""
    xs, ys = [], []
    for poly in polygons(geojson):
        for pos in poly[0]:
            xs.append(pos[0])
            ys.append(pos[1])
    return min(xs), min(ys), max(xs), max(ys)


def centroid(geojson: dict) -> tuple[float, float]:
    """Area-weighted centroid of the outer rings as (lng, lat)."""
    a_sum = cx = cy = 0.0
    for poly in polygons(geojson):
        ring = poly[0]
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            cross = x1 * y2 - x2 * y1
            a_sum += cross
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
    if abs(a_sum) < 1e-15:
        min_lng, min_lat, max_lng, max_lat = bbox(geojson)
        return (min_lng + max_lng) / 2, (min_lat + max_lat) / 2
    return cx / (3 * a_sum), cy / (3 * a_sum)


def within(inner: dict, outer: dict, *, tol: float = 1e-7) -> bool:
    """True if every vertex of `inner` lies inside or on `outer` (enough for grids in a village)."""
    return all(
        contains_point(outer, pos[0], pos[1], tol=tol)
        for poly in polygons(inner)
        for pos in poly[0]
    )


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def rectangle(min_lng: float, min_lat: float, max_lng: float, max_lat: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[
            [min_lng, min_lat], [max_lng, min_lat], [max_lng, max_lat], [min_lng, max_lat], [min_lng, min_lat],
        ]],
    }


def degrees_box(lat: float, radius_m: float) -> tuple[float, float]:
    """(d_lat, d_lng) spanning radius_m around latitude `lat`, for bounding-box pre-filters."""
    d_lat = radius_m / 111_320.0
    d_lng = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 1e-6))
    return d_lat, d_lng


def iter_positions(geojson: dict) -> Iterable[Sequence[float]]:
    for poly in polygons(geojson):
        yield from poly[0]
