"""The menu, the phone tiles, the menu badges and each role's home page — declared by the apps.

core imports no domain app: each app declares its own entries in ``<app>/menu.py`` and
core collects them at the first request (the same discovery as ``admin.py``: every
installed app's ``menu`` module is imported, in INSTALLED_APPS order).

How an app adds a menu entry — create ``myapp/menu.py``::

    from django.utils.translation import gettext_lazy as _

    from core.roles import AD, ALL, DO, DS, GW, SO, VS   # the staff roles

    # (url name, label, roles[, order]) — shown to those roles, in the header menu.
    MENU = [
        ("myapp:list", _("My things"), {SO, DO, AD}),
        ("myapp:mine", _("Mine"), {GW}, 150),      # optional 4th item: the position (default 500)
    ]

    # Big buttons on the grid worker's phone home: (url name, label, hint[, order]).
    # The tile with the smallest order is drawn as the primary one.
    MOBILE_TILES = [("myapp:start", _("Start"), _("One line saying what it does"), 250)]

    # A live counter next to a menu entry: menu url name -> url name of a tiny htmx
    # fragment answering the number (or an empty body), fetched after the page loads.
    BADGES = {"myapp:list": "myapp:list_badge"}

    # Where a role lands after logging in: role -> url name, or (url name, priority).
    # The highest priority wins (default 0); ties go to the app listed last in INSTALLED_APPS.
    ROLE_HOME = {SO: ("myapp:list", 20)}

All four names are optional. Labels must be lazy (gettext_lazy): the module is imported
once per process. An entry whose URL name does not resolve is skipped, so a menu may
name an optional app's page. Sorting: by order, then INSTALLED_APPS order, then the
position in the app's list. Orders in use: grids 100–140, cases 200–240, inspections
300–340, dispatch 400–440, the inbox (core) 900; tiles: report a case 10, inspect 20,
my cases 30, to verify 40, my regions 90.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import module_has_submodule

DEFAULT_ORDER = 500


@dataclass(frozen=True)
class Registry:
    menu: tuple  # (url name, label, roles), sorted
    tiles: tuple  # (url name, label, hint), sorted
    badges: dict  # menu url name -> badge url name
    role_home: dict  # role -> [url names, best first]


def menu_modules():
    """The ``menu`` module of every installed app that has one, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "menu"):
            yield import_module(f"{config.name}.menu")


@functools.cache
def registry() -> Registry:
    menu, tiles, badges, homes = [], [], {}, {}
    for app_index, module in enumerate(menu_modules()):
        for pos, entry in enumerate(getattr(module, "MENU", ())):
            url_name, label, roles, *order = entry
            menu.append(((order[0] if order else DEFAULT_ORDER, app_index, pos), (url_name, label, frozenset(roles))))
        for pos, entry in enumerate(getattr(module, "MOBILE_TILES", ())):
            url_name, label, hint, *order = entry
            tiles.append(((order[0] if order else DEFAULT_ORDER, app_index, pos), (url_name, label, hint)))
        badges.update(getattr(module, "BADGES", {}))
        for role, target in getattr(module, "ROLE_HOME", {}).items():
            url_name, priority = (target, 0) if isinstance(target, str) else target
            homes.setdefault(role, []).append(((priority, app_index), url_name))
    return Registry(
        menu=tuple(e for _k, e in sorted(menu, key=lambda x: x[0])),
        tiles=tuple(e for _k, e in sorted(tiles, key=lambda x: x[0])),
        badges=badges,
        role_home={role: [u for _k, u in sorted(c, key=lambda x: x[0], reverse=True)] for role, c in homes.items()},
    )


def _reverse(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def menu_for(role: str, path: str) -> list[dict]:
    reg = registry()
    items = []
    for url_name, label, roles in reg.menu:
        if role not in roles or (url := _reverse(url_name)) is None:
            continue
        badge = (_reverse(reg.badges[url_name]) or "") if url_name in reg.badges else ""
        active = path == url or (url != "/" and path.startswith(url))
        items.append({"url": url, "label": label, "active": active, "badge": badge})
    return items


def tiles() -> list[dict]:
    return [
        {"url": url, "label": label, "hint": hint}
        for url_name, label, hint in registry().tiles
        if (url := _reverse(url_name)) is not None
    ]


def role_home(role: str | None) -> str | None:
    """The URL of the role's home page (the best-priority one that resolves), or None."""
    for url_name in registry().role_home.get(role, ()):
        if (url := _reverse(url_name)) is not None:
            return url
    return None
