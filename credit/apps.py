from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Enterprise credit")

    def ready(self):
        from cases.addresses import register_source
        from inspections.selectors import set_due_policy

        from . import signals
        from .addresses import places_near
        from .selectors import due_places

        signals.connect()
        # Graded supervision: the grid worker's due list follows the enterprise's colour.
        set_due_policy(due_places)
        # The report form fills its address from the nearest known place (cases/addresses.py).
        register_source(places_near)
