from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Enterprise credit")

    def ready(self):
        from . import signals

        signals.connect()
