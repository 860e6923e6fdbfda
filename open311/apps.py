from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "open311"
    verbose_name = _("Open API (Open311)")

    def ready(self):
        try:  # the timeline label of the event recorded when a request arrives through the API
            from cases.workflow import EVENT_LABELS as labels
        except ImportError:
            labels = None
        if labels is not None:
            from .services import EVENT_LABELS

            labels.update(EVENT_LABELS)
