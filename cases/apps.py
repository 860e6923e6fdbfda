from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from core import refdata

        from .models import CATEGORIES_REFDATA, CaseCategory

        # The report form's categories are kept per process; any save or delete bumps them.
        refdata.track(CATEGORIES_REFDATA, CaseCategory)
