"""The dashboard's menu entry (collected by core.navigation; see its docstring)."""

from django.utils.translation import gettext_lazy as _

from core.roles import AD, DO, SO, VS

MENU = [
    ("dashboard:index", _("Dashboard"), {VS, SO, DO, AD}, 90),
]
