from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsFillConfig(AppConfig):
    name = "forms_fill"
    verbose_name = _("Data and one-click forms")
