"""volunteers' menu entries (collected by core.navigation; see its docstring)."""

from django.utils.translation import gettext_lazy as _

from core.roles import AD, DO, SO, VS

MENU = [
    ("volunteers:index", _("Volunteers"), {VS, SO, DO, AD}, 600),
    ("volunteers:triage", _("Volunteer reports"), {VS, SO, DO, AD}, 610),
]

BADGES = {"volunteers:triage": "volunteers:triage_badge"}
