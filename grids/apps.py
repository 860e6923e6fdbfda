from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Regions and grids")

    def ready(self):
        from core import refdata

        from .models import Region

        # The grids are kept per process for locating reports (grids.selectors.grid_for_point).
        refdata.track("grids", Region)
