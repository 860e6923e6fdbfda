"""forms_fill's menu entries and the village staff's home (collected by core.navigation)."""

from django.utils.translation import gettext_lazy as _

from core.roles import AD, DO, SO, VS

MENU = [
    ("village:desk", _("Village desk"), {VS}, 120),
    ("forms_fill:fill", _("One-click fill"), {VS, SO, DO, AD}, 600),
    ("forms_fill:person_list", _("People"), {VS, SO, DO, AD}, 610),
    ("forms_fill:enterprise_list", _("Enterprises data"), {VS}, 615),
    ("forms_fill:table_list", _("Table registry"), {VS, SO, DO, AD}, 620),
    ("forms_fill:audit_log", _("Audit log"), {DO, AD}, 890),
]

# The desk is the village staff's daily page (above grids' fallback home).
ROLE_HOME = {VS: ("village:desk", 10)}
