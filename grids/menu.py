"""grids' menu entries, phone tiles and role homes (collected by core.navigation; see its docstring)."""

from django.utils.translation import gettext_lazy as _

from core.roles import AD, DO, DS, GW, SO, VS

MENU = [
    ("grids:mobile_home", _("My grid"), {GW}, 100),
    ("grids:officer_home", _("Overview"), {SO, DO, AD}, 110),
    ("grids:department_home", _("My department"), {DS}, 130),
    ("grids:region_list", _("Regions"), {VS, SO, DO, AD}, 140),
]

MOBILE_TILES = [
    ("grids:region_list", _("My regions"), _("Grids and boundaries"), 90),
]

# Every role's fallback home; apps with a better daily page for a role claim it with a priority.
ROLE_HOME = {
    GW: "grids:mobile_home",
    # VS: the village desk at /village/ (forms_fill.menu claims it).
    SO: "grids:officer_home",
    DO: "grids:officer_home",
    DS: "grids:department_home",
    AD: "grids:officer_home",
}
