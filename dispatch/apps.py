from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The case page's dispatch-specific actions (cases.actions.ACTION_URL_NAMES): each URL
# takes the case number and shows its own form (department, reason, photos …).
ACTION_URL_NAMES = {
    "dispatch": "dispatch:case_dispatch",
    "reassign": "dispatch:case_dispatch",
    "accept": "dispatch:case_accept",
    "return": "dispatch:case_return",
    "handle": "dispatch:case_handle",
}


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self):
        from core import refdata
        from grids.models import Region

        from . import checks  # noqa: F401  (registers "every category must be routed")
        from .models import CalendarOverride, Department, RoutingRule

        # Kept per process (dispatch/routing.py); any save or delete, in the admin or an import,
        # makes every process rebuild them at its next request.
        refdata.track("routing", RoutingRule, Department, Region)  # rules and units hold region paths
        refdata.track("calendar", CalendarOverride)

        from cases.routing import set_router

        from .routing import route_for_case

        set_router(route_for_case)  # a registered case is routed by dispatch's rules

        try:
            from cases.actions import ACTION_URL_NAMES as registry
        except ImportError:  # the cases app without a case page
            registry = None
        if registry is not None:
            registry.update(ACTION_URL_NAMES)
        try:  # timeline labels of the events dispatch records (escalate, consultation …)
            from cases.workflow import EVENT_LABELS as labels
        except ImportError:
            labels = None
        if labels is not None:
            from .timeline import EVENT_LABELS

            labels.update(EVENT_LABELS)
        try:
            from cases.categories import ROUTING_EXPORT_PROVIDERS
        except ImportError:
            ROUTING_EXPORT_PROVIDERS = None
        if ROUTING_EXPORT_PROVIDERS is not None:
            from .rules_io import routing_export_provider

            if routing_export_provider not in ROUTING_EXPORT_PROVIDERS:
                ROUTING_EXPORT_PROVIDERS.append(routing_export_provider)
