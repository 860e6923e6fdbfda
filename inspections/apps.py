from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The labels this app adds to core/navigation.py (menu and phone tile). They are listed here
# too so that makemessages puts them in this app's zh_Hans catalogue with the feature.
NAVIGATION_LABELS = (
    _("Inspect"),
    _("Inspections"),
    _("Places"),
    _("Inspection results"),
    _("Checklist"),
    _("Inspect a place"),
    _("One checklist, one tap per item"),
)


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")
