from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its background-job handlers in <app>/jobs.py (core/jobs.py).
        autodiscover_modules("jobs")
