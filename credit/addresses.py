"""Known places for the report form's address (cases/addresses.py): the inspection places, with the
address of the enterprise registered at a place when the place has none of its own.

Credit is the floor that sees both the inspection places and the enterprise registry, so it
registers this source with cases at start-up (credit/apps.py). Only places inside the user's
jurisdiction are read (grids.scoping.scope), within a bounding box around the point.
"""

from __future__ import annotations

import math

from django.db.models import F, FloatField
from django.db.models.functions import Cast

from cases.addresses import KnownPlace
from grids import geo
from grids.scoping import scope


def places_near(*, user, latitude: float, longitude: float, radius_m: float, within_path: str = "", limit: int = 50) -> list[KnownPlace]:
    from inspections.models import Place

    d_lat, d_lng = geo.degrees_box(latitude, radius_m)
    qs = Place.objects.filter(
        latitude__range=(latitude - d_lat, latitude + d_lat), longitude__range=(longitude - d_lng, longitude + d_lng),
    )
    if within_path:
        qs = qs.filter(region_path__startswith=within_path)
    # Nearest first (a flat-earth square distance is enough to order 50 m), so a dense street
    # (城中村: a shop every few metres) still yields the nearest ones within the limit.
    k = math.cos(math.radians(latitude))
    dy, dx = F("latitude") - latitude, (F("longitude") - longitude) * k
    qs = qs.annotate(_near=Cast(dy * dy + dx * dx, FloatField())).order_by("_near", "name")
    rows = scope(qs, user).values_list(
        "name", "address", "latitude", "longitude", "region_path",
        "enterprise__deleted_at", "enterprise__premises_address", "enterprise__address",
    )[:limit]
    places = []
    for name, address, lat, lng, path, deleted_at, premises, registered in rows:
        if not address and deleted_at is None:
            address = premises or registered or ""
        places.append(KnownPlace(name=name, address=address, latitude=lat, longitude=lng, region_path=path))
    return places
