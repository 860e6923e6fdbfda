"""core is the ground floor: it imports no domain app; apps declare their menus, tiles and homes."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core import navigation, roles
from grids.models import StaffProfile

ROOT = Path(__file__).resolve().parents[2]


def domain_apps() -> set[str]:
    """Every project app (a folder of the checkout in INSTALLED_APPS) except core."""
    return {a for a in settings.INSTALLED_APPS if "." not in a and (ROOT / a).is_dir() and a != "core"}


def imported_top_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_of_core_imports_a_domain_app():
    apps = domain_apps()
    assert {"grids", "cases", "dispatch", "inspections", "benchmarks"} <= apps
    offenders = {
        str(p.relative_to(ROOT)): sorted(imported_top_names(p) & apps)
        for p in (ROOT / "core").rglob("*.py")
        if imported_top_names(p) & apps
    }
    assert offenders == {}


def test_the_roles_are_the_staff_profile_roles():
    assert set(StaffProfile.Role.values) == roles.ALL


def test_menus_tiles_and_homes_come_from_the_apps():
    reg = navigation.registry()
    names = [url_name for url_name, _label, _roles in reg.menu]
    # Each app's entries, in the documented order: grids, cases, inspections, dispatch, the inbox last.
    assert names.index("grids:officer_home") < names.index("cases:list") < names.index("inspections:inspection_list") < names.index("dispatch:workbench")
    assert names[-1].endswith(":inbox")
    assert [t[0] for t in reg.tiles][:2] == ["cases:report", "inspections:mobile_start"]
    # dispatch claims the officers' home over grids' fallback.
    assert navigation.role_home(roles.SO) == reverse("dispatch:workbench")
    assert navigation.role_home(roles.GW) == reverse("grids:mobile_home")
    assert navigation.role_home(None) is None


@pytest.mark.django_db
def test_each_role_sees_its_own_menu(login, users):
    page = login(users["grid_worker"]).get(reverse("grids:mobile_home"))
    items = {i["url"] for i in page.context["nav_items"]}
    assert reverse("cases:mine") in items and reverse("dispatch:workbench") not in items
    tiles = page.context["mobile_tiles"]
    assert tiles[0]["url"] == reverse("cases:report")
    page = login(users["street_officer"]).get(reverse("grids:officer_home"))
    items = {i["url"]: i for i in page.context["nav_items"]}
    assert reverse("dispatch:workbench") in items and reverse("cases:mine") not in items
    assert page.context["mobile_tiles"] == []
    inbox = [i for url_name, i in items.items() if url_name.endswith("/inbox/")]
    assert len(inbox) == 1 and inbox[0]["badge"]  # the unread counter's fragment


def test_a_menu_entry_whose_url_does_not_resolve_is_skipped(monkeypatch):
    reg = navigation.registry()
    monkeypatch.setattr(navigation, "registry", lambda: navigation.Registry(
        menu=reg.menu + (("nosuchapp:page", "x", frozenset(roles.ALL)),), tiles=reg.tiles, badges=reg.badges, role_home=reg.role_home,
    ))
    urls = [i["url"] for i in navigation.menu_for(roles.SO, "/")]
    assert len(urls) == len([1 for n, _l, r in reg.menu if roles.SO in r])


@pytest.mark.django_db
def test_the_demo_command_discovers_every_apps_demo_in_installed_apps_order():
    from core.demo import DEFAULT_DEMO_ORDER, demo_modules

    modules = demo_modules()
    order = [m.__name__.split(".")[0] for m in modules]
    assert order[:4] == ["grids", "dispatch", "cases", "inspections"]
    installed = [a for a in settings.INSTALLED_APPS if a in order]
    assert set(order) == set(installed)  # every app's demo.py, none twice
    # INSTALLED_APPS order, except where a demo.py asks to run later (DEMO_ORDER)
    by_name = {m.__name__.split(".")[0]: m for m in modules}
    assert order == sorted(installed, key=lambda a: (getattr(by_name[a], "DEMO_ORDER", DEFAULT_DEMO_ORDER), installed.index(a)))
