"""credit's (信用三色码) menu entries and phone tiles (collected by core.navigation; see its docstring)."""

from django.utils.translation import gettext_lazy as _

from core.roles import AD, DO, DS, GW, SO, VS

MENU = [
    ("credit:enterprise_list", _("Enterprises"), {VS, SO, DO, AD, DS}, 500),
    ("credit:coverage", _("Supervision coverage"), {SO, DO, AD}, 510),
    ("credit:due_list", _("Due by credit colour"), {GW}, 520),
]

MOBILE_TILES = [
    ("credit:due_list", _("Enterprises due"), _("Inspection due by credit colour (red every 7 days)"), 25),
]
