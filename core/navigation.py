"""The menu each role sees. Each capability adds its entries here.

An entry whose URL name does not resolve (capability not installed) is skipped.
"""

from django.utils.translation import gettext_lazy as _

GW, VS, SO, DO, DS, AD = (
    "grid_worker",
    "village_staff",
    "street_officer",
    "district_officer",
    "department_staff",
    "administrator",
)
ALL = {GW, VS, SO, DO, DS, AD}

# (url name, label, roles)
MENU = [
    ("grids:mobile_home", _("My grid"), {GW}),
    ("grids:officer_home", _("Overview"), {SO, DO, AD}),
    ("grids:village_home", _("Village desk"), {VS}),
    ("grids:department_home", _("My department"), {DS}),
    ("grids:region_list", _("Regions"), {VS, SO, DO, AD}),
    # cases
    ("cases:mine", _("My cases"), {GW}),
    ("cases:to_verify", _("To verify"), {GW, VS}),
    ("cases:list", _("Cases"), {VS, SO, DO, AD, DS}),
    ("cases:triage", _("Triage"), {VS, SO, DO, AD}),
    ("cases:categories", _("Case categories"), {DO, AD}),
    # inspections (一表巡)
    ("inspections:mobile_start", _("Inspect"), {GW}),
    ("inspections:inspection_list", _("Inspections"), {VS, SO, DO, AD}),
    ("inspections:place_list", _("Places"), {VS, SO, DO, AD}),
    ("inspections:department_results", _("Inspection results"), {DS}),
    ("inspections:checklist_list", _("Checklist"), {SO, DO, AD, DS}),
    # dispatch (镇街调度、部门报到)
    ("dispatch:workbench", _("Dispatch workbench"), {VS, SO, DO, AD}),
    ("dispatch:department", _("Department workbench"), {DS}),
    ("dispatch:consultations", _("Consultations"), {SO, DO, AD}),
    ("dispatch:notices", _("Rectification notices"), {SO, DO, AD, DS}),
    ("dispatch:rules", _("Routing rules"), {DO, AD}),
    ("dispatch:inbox", _("Inbox"), ALL),
]

# Menu entries with a live badge: url name -> URL name of a tiny htmx fragment.
MENU_BADGES = {
    "dispatch:inbox": "dispatch:inbox_badge",  # unread notifications
}

# Where each role lands after logging in.
ROLE_HOME = {
    GW: "grids:mobile_home",
    VS: "grids:village_home",
    SO: "dispatch:workbench",  # dispatch: the queue is the officers' daily work
    DO: "dispatch:workbench",
    DS: "dispatch:department",
    AD: "grids:officer_home",
}

# Big buttons on the grid worker's phone home: (url name, label, hint).
MOBILE_TILES = [
    ("cases:report", _("Report a case"), _("Photo, place, done")),  # first tile = the primary one
    ("inspections:mobile_start", _("Inspect a place"), _("One checklist, one tap per item")),
    ("cases:mine", _("My cases"), _("Status of what you reported")),
    ("cases:to_verify", _("To verify"), _("Re-check handled cases on site")),
    ("grids:region_list", _("My regions"), _("Grids and boundaries")),
]
