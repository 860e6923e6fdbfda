"""数读 (the dashboard) and the shared map base layers.

Its own app, not a part of cases or dispatch: it only *reads* what cases (the case
row and its timeline), dispatch (departments, the working calendar) and inspections
(submitted inspections and their answers) write, and owns nothing but derived data —
per-case facts and monthly/weekly rollups kept up to date from the case timeline — plus
the map base-layer setting every map of the project uses (tile URL template, offline
GeoJSON overlays). Keeping it apart means no other app's write path grows dashboard
code: the rollups follow the append-only case events (dashboard/rollup.py).
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = _("Dashboard (数读)")
