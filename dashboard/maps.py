"""The map base-layer setting, read by every map through {% ecomap_config %} (dashboard.templatetags.ecomap)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import MapOverlay

MAX_OVERLAY_BYTES = 20 * 1024 * 1024
GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}


def base_layers() -> dict:
    """{"tiles": {...} | None, "overlays": [{"name", "kind", "url"}]} (one small query)."""
    url = settings.ECOGRID_MAP_TILE_URL
    tiles = None
    if url:
        tiles = {
            "url": url,
            "attribution": settings.ECOGRID_MAP_TILE_ATTRIBUTION,
            "maxZoom": settings.ECOGRID_MAP_TILE_MAX_ZOOM,
            "subdomains": settings.ECOGRID_MAP_TILE_SUBDOMAINS,
        }
    overlays = [
        {"name": name, "kind": kind, "url": reverse("dashboard:overlay", args=[pk])}
        for pk, name, kind in MapOverlay.objects.filter(is_active=True).order_by("order", "id").values_list("pk", "name", "kind")
    ]
    return {"tiles": tiles, "overlays": overlays}


def parse_overlay(raw: bytes) -> dict:
    """A GeoJSON FeatureCollection (or one Feature / geometry) from an uploaded file, checked;
    raises ValidationError with a message for the user."""
    if len(raw) > MAX_OVERLAY_BYTES:
        raise ValidationError(_("The file is too large. The maximum size is %(limit)s MB.") % {"limit": MAX_OVERLAY_BYTES // (1024 * 1024)})
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationError(_("This is not a GeoJSON file (it could not be read as JSON).")) from None
    if not isinstance(data, dict):
        raise ValidationError(_("This is not a GeoJSON file."))
    kind = data.get("type")
    if kind == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    elif kind in GEOMETRY_TYPES:
        data = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": data, "properties": {}}]}
    elif kind != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise ValidationError(_("This is not a GeoJSON file."))
    for i, feature in enumerate(data["features"], start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
            raise ValidationError(_("Feature %(n)s has no valid geometry.") % {"n": i})
    if not data["features"]:
        raise ValidationError(_("The file has no features."))
    return data
