"""System check: every case category must be routed (a default routing rule per active sub-class).

It reads the database, so it runs only when a database is given
(``manage.py check --database default``, and ``migrate``); ``manage.py routing_check``
prints the same list and exits non-zero.
"""

from django.core.checks import Warning, register
from django.db import DatabaseError


@register("dispatch", "database")
def every_category_is_routed(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    from .selectors import unrouted_categories

    try:
        unrouted = list(unrouted_categories().values_list("code", "name")[:50])
    except DatabaseError:  # tables not migrated yet
        return []
    if not unrouted:
        return []
    listed = "、".join(f"{code} {name}" for code, name in unrouted[:20])
    return [
        Warning(
            f"{len(unrouted)} case categories have no routing rule: {listed}",
            hint="Add a district-wide rule for each (admin › Routing rules, or import an .xlsx at /dispatch/rules/).",
            id="dispatch.W001",
        )
    ]
