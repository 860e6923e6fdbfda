"""The ground floor's door to jurisdiction scoping.

``core`` sits below the domain apps and imports none of them; the one scoping function
lives with the region tree (``grids.scoping.scope``). Core's own views (jobs, inbox) reach
it through the dotted path in ``settings.ECOGRID_SCOPE_FUNCTION``, so the arrow points from
the project's settings to grids, not from core up to a floor above it.
"""

from django.conf import settings
from django.utils.module_loading import import_string


def scope(queryset, user, **kwargs):
    return import_string(settings.ECOGRID_SCOPE_FUNCTION)(queryset, user, **kwargs)
