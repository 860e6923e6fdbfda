"""The dashboard's filter: a region of the user's jurisdiction and a period."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .selectors import MAP_MEASURES, Period, period_preset

PRESETS = [
    ("month", _("This month")),
    ("last_month", _("Last month")),
    ("30d", _("Last 30 days")),
    ("year", _("This year")),
    ("last_year", _("Last year")),
    ("custom", _("Custom dates")),
]
MAX_DAYS = 366 * 5


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False, choices=PRESETS)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    measure = forms.ChoiceField(label=_("Map shows"), required=False, choices=[
        ("found", _("Cases found")), ("open", _("Still open")), ("closure_rate", _("Closure rate")),
        ("on_time_rate", _("On-time closure rate")), ("returned", _("Returned")),
    ])

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom" or (not data.get("period") and (data.get("since") or data.get("until"))):
            since, until = data.get("since"), data.get("until")
            if not since or not until:
                raise ValidationError(_("Give both dates of the period."))
            if until < since:
                raise ValidationError(_("The end of the period is before its start."))
            if (until - since).days > MAX_DAYS:
                raise ValidationError(_("Choose a period of at most five years."))
        return data

    def period_value(self, *, today: dt.date | None = None) -> Period:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("since") and data.get("until") and data.get("period") in ("", None, "custom"):
            return Period(data["since"], data["until"])
        return period_preset(data.get("period") or "month", today=today)

    def measure_value(self) -> str:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("measure") if data.get("measure") in MAP_MEASURES else "found"
