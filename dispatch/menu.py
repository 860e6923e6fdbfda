"""dispatch's (镇街调度、部门报到) menu entries and role homes (collected by core.navigation; see its docstring)."""

from django.utils.translation import gettext_lazy as _

from core.roles import AD, DO, DS, SO, VS

MENU = [
    ("dispatch:workbench", _("Dispatch workbench"), {VS, SO, DO, AD}, 400),
    ("dispatch:department", _("Department workbench"), {DS}, 410),
    ("dispatch:consultations", _("Consultations"), {SO, DO, AD}, 420),
    ("dispatch:notices", _("Rectification notices"), {SO, DO, AD, DS}, 430),
    ("dispatch:rules", _("Routing rules"), {DO, AD}, 440),
]

# The queue is the officers' daily work; department staff start at their workbench.
ROLE_HOME = {
    SO: ("dispatch:workbench", 10),
    DO: ("dispatch:workbench", 10),
    DS: ("dispatch:department", 10),
}
