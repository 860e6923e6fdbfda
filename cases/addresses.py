"""Where a reported point is, in words: the report form's address, filled from the district's own data.

Never an outside geocoder. The nearest known place within ``ADDRESS_RADIUS_M`` of the point gives
its address ("丽豪路22号（鲜果屋附近）"); failing that, the grid the point lies in ("丽豪社区第1网格附近").

Known places live on the floors above (the inspection places and the enterprises on them): those
apps register a *source* here at start-up (credit/apps.py), so cases imports none of them::

    from cases.addresses import register_source
    register_source(places_near)   # places_near(*, user, latitude, longitude, radius_m, within_path) -> [KnownPlace]

A source returns only places inside the user's jurisdiction (grids.scoping.scope); this module
checks each answer's region path again, and looks for places only when the point's grid is in the
user's jurisdiction: a point elsewhere answers with its grid's name, never another area's data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from grids import geo
from grids.scoping import path_in_scope
from grids.selectors import grid_for_point

# A phone's position in the street is good to 10-30 m; a shop further than this is not "here".
ADDRESS_RADIUS_M = 50


@dataclass(frozen=True)
class KnownPlace:
    """A place the district knows, with its address and position (from a registered source)."""

    name: str
    address: str
    latitude: float
    longitude: float
    region_path: str


@dataclass(frozen=True)
class AddressGuess:
    """What the report form fills in: the address text, and where it came from."""

    address: str = ""
    source: str = ""  # "place" (a known place nearby), "grid" (the grid's name), "" (nothing known)
    place_name: str = ""
    distance_m: int | None = None

    def as_json(self) -> dict:
        return {"address": self.address, "source": self.source, "place": self.place_name, "distance_m": self.distance_m}


Source = Callable[..., Iterable[KnownPlace]]
_sources: list[Source] = []


def register_source(source: Source) -> None:
    """Add a source of known places (called once per process, from an AppConfig.ready)."""
    if source not in _sources:
        _sources.append(source)


def address_near(*, user, latitude: float, longitude: float, radius_m: float = ADDRESS_RADIUS_M) -> AddressGuess:
    """The address to propose for a point reported by `user` (see the module's docstring)."""
    grid = grid_for_point(lat=latitude, lng=longitude, within_path=f"{settings.ECOGRID_DISTRICT_CODE}/")
    if grid is None:
        return AddressGuess()
    if path_in_scope(user, grid.path):
        # Places are looked for in the point's street (a place 50 m away lies in the same street
        # but not always in the same grid or village), inside the user's jurisdiction.
        street_path = "/".join(grid.path.split("/")[:2]) + "/"
        found = []
        for source in _sources:
            for place in source(user=user, latitude=latitude, longitude=longitude, radius_m=radius_m, within_path=street_path):
                if not path_in_scope(user, place.region_path):  # the source's scoping, checked again
                    continue
                distance = geo.distance_m(latitude, longitude, place.latitude, place.longitude)
                if distance <= radius_m and (place.address or place.name):
                    found.append((distance, place.name, place))
        if found:
            distance, _name, place = min(found, key=lambda item: (item[0], item[1]))
            if place.address and place.name:
                text = _("%(address)s (near %(place)s)") % {"address": place.address, "place": place.name}
            elif place.address:
                text = place.address
            else:
                text = _("near %(place)s") % {"place": place.name}
            return AddressGuess(address=text[:200], source="place", place_name=place.name[:100], distance_m=round(distance))
    return AddressGuess(address=(_("near %(place)s") % {"place": grid.name})[:200], source="grid")
