"""cases' menu entries and phone tiles (collected by core.navigation; see its docstring)."""

from django.utils.translation import gettext_lazy as _

from core.roles import AD, DO, DS, GW, SO, VS

MENU = [
    ("cases:mine", _("My cases"), {GW}, 200),
    ("cases:to_verify", _("To verify"), {GW, VS}, 210),
    ("cases:list", _("Cases"), {VS, SO, DO, AD, DS}, 220),
    ("cases:triage", _("Triage"), {VS, SO, DO, AD}, 230),
    ("cases:categories", _("Case categories"), {DO, AD}, 240),
]

MOBILE_TILES = [
    ("cases:report", _("Report a case"), _("Photo, place, done"), 10),  # the primary tile
    ("cases:mine", _("My cases"), _("Status of what you reported"), 30),
    ("cases:to_verify", _("To verify"), _("Re-check handled cases on site"), 40),
]
