"""扫一扫's menu entries and phone tile (collected by core.navigation; see its docstring)."""

from django.utils.translation import gettext_lazy as _

from core.roles import AD, DO, GW, SO, VS

MENU = [
    ("scan:start", _("Scan"), {GW, VS, SO, DO, AD}, 600),
]

MOBILE_TILES = [
    ("scan:start", _("Scan"), _("ID card, business licence or document: photo in, text out"), 35),
]
