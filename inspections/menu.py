"""inspections' (一表巡) menu entries and phone tiles (collected by core.navigation; see its docstring)."""

from django.utils.translation import gettext_lazy as _

from core.roles import AD, DO, DS, GW, SO, VS

MENU = [
    ("inspections:mobile_start", _("Inspect"), {GW}, 300),
    ("inspections:inspection_list", _("Inspections"), {VS, SO, DO, AD}, 310),
    ("inspections:place_list", _("Places"), {VS, SO, DO, AD}, 320),
    ("inspections:department_results", _("Inspection results"), {DS}, 330),
    ("inspections:checklist_list", _("Checklist"), {SO, DO, AD, DS}, 340),
]

MOBILE_TILES = [
    ("inspections:mobile_start", _("Inspect a place"), _("One checklist, one tap per item"), 20),
]
