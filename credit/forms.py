from __future__ import annotations

import datetime as dt

from django import forms
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Colour, CreditClass, Enterprise


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, code or address"), required=False, max_length=100)
    colour = forms.ChoiceField(label=_("Colour"), required=False,
                               choices=[("", _("All colours")), *Colour.choices, ("unrated", _("Not rated yet"))])
    credit_class = forms.ChoiceField(label=_("Class"), required=False, choices=[("", _("All classes")), *CreditClass.choices])
    grid = forms.CharField(required=False, max_length=15)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses")), *Enterprise.Status.choices])
    industry = forms.CharField(label=_("Industry"), required=False, max_length=100)


class DateInput(forms.DateInput):
    input_type = "date"


class EnterpriseForm(forms.ModelForm):
    """Add / edit. The credit code is checked by core.identifiers in the service (the message names the failing check)."""

    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40,
                           help_text=_("18 characters, e.g. 91440604MA4UJ3K21X"))
    region = forms.ChoiceField(label=_("Grid"))
    licence_upload = forms.FileField(label=_("Business licence photo"), required=False)

    class Meta:
        model = Enterprise
        fields = [
            "name", "enterprise_type", "legal_representative", "registered_capital", "established_on",
            "business_term_from", "business_term_to", "registration_authority", "business_scope", "address",
            "premises_address", "industry", "employees", "contact_name", "contact_phone", "status",
        ]
        widgets = {
            "established_on": DateInput(), "business_term_from": DateInput(), "business_term_to": DateInput(),
            "business_scope": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"business_term_to": _("Leave empty for an open-ended term (长期).")}

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.grids = {str(g.pk): g for g in grids}
        self.fields["region"].choices = [("", "—")] + [(str(g.pk), f"{g.parent.name if g.parent_id else ''} {g.name}".strip()) for g in grids]
        if self.instance.pk:
            self.fields["uscc"].initial = self.instance.uscc
            self.fields["region"].initial = str(self.instance.region_id)

    def clean_region(self):
        value = self.cleaned_data.get("region")
        grid = self.grids.get(value)
        if grid is None:
            raise forms.ValidationError(_("Choose the grid the enterprise is in."))
        return grid

    def _post_clean(self):
        # The model's own validation (uscc/region) runs in the service, where the messages are made.
        exclude = {"uscc", "region", "region_path"}
        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        try:
            self.instance.full_clean(exclude=[f.name for f in self.instance._meta.fields if f.name in exclude or f.name not in self.cleaned_data], validate_unique=False)
        except forms.ValidationError as exc:
            self._update_errors(exc)


def _future_default():
    return (timezone.localdate() + dt.timedelta(days=90)).isoformat()


class OverrideForm(forms.Form):
    colour = forms.ChoiceField(label=_("Colour"), choices=Colour.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    expires_on = forms.DateField(label=_("Ends on"), widget=DateInput())

    def expires_at(self):
        day = self.cleaned_data["expires_on"]
        return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


class VetoForm(forms.Form):
    reason = forms.CharField(label=_("Reason (e.g. major fire hazard)"), max_length=300)
    occurred_on = forms.DateField(label=_("Found on"), widget=DateInput())
    valid_until = forms.DateField(label=_("Holds until"), required=False, widget=DateInput())


class LinkCaseForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=32)


class LinkPlaceForm(forms.Form):
    place = forms.ChoiceField(label=_("Inspection place"), required=False)

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {str(p.pk): p for p in places}
        self.fields["place"].choices = [("", _("— none —"))] + [(str(p.pk), f"{p.name} · {p.address}") for p in places]

    def clean_place(self):
        value = self.cleaned_data.get("place")
        if not value:
            return None
        place = self.places.get(value)
        if place is None:
            raise forms.ValidationError(_("Choose a place in the enterprise's grid."))
        return place


class RatingForm(forms.Form):
    department = forms.ChoiceField(label=_("Department"))
    credit_class = forms.ChoiceField(label=_("Class"), choices=CreditClass.choices)
    rated_on = forms.DateField(label=_("Rated on"), widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {str(d.pk): d for d in departments}
        self.fields["department"].choices = [(str(d.pk), d.name) for d in departments]

    def clean_department(self):
        d = self.departments.get(self.cleaned_data.get("department"))
        if d is None:
            raise forms.ValidationError(_("Choose a department."))
        return d
