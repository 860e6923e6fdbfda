from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScanConfig(AppConfig):
    name = "scan"
    verbose_name = _("Scan")  # 扫一扫

    def ready(self):
        from . import checks  # noqa: F401  (registers the tesseract system check)
