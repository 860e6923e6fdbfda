import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import PointEntry, Reward, Volunteer, VolunteerReport
from .problem_types import PROBLEM_TYPES

O = VolunteerReport.Outcome


class HoneypotMixin(forms.Form):
    # Hidden from people by CSS; bots fill every field. A filled one refuses the form.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def bot_detected(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class PublicReportForm(HoneypotMixin):
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    card = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    phone = forms.CharField(
        label=_("Your mobile number"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "138 0000 0000"}),
        help_text=_("Registered volunteers are recognised by it and earn points. Leave it empty to report anonymously."),
    )
    problem_type = forms.ChoiceField(
        label=_("What is the problem?"), widget=forms.RadioSelect,
        error_messages={"required": _("Choose what kind of problem it is.")},
    )
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    grid = forms.ChoiceField(label=_("Or pick the place"), required=False)
    address = forms.CharField(
        label=_("Building / door number (optional)"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Block 3, by the east gate")}),
    )
    description = forms.CharField(label=_("Anything to add (optional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    self_handled = forms.BooleanField(label=_("I have already sorted it out myself (photo after handling)"), required=False)

    def __init__(self, *args, grids=(), types=PROBLEM_TYPES, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem_type"].choices = [(t.key, t.label) for t in types]
        self.fields["grid"].choices = [("", _("— use my phone's location —"))] + [(g.code, g.name) for g in grids]
        self.types = types

    @staticmethod
    def new_uuid():
        return uuid.uuid4()

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            data["latitude"] = data["longitude"] = None
        return data


# Service error codes → the field the message belongs to.
REPORT_ERROR_FIELDS = {"phone": "phone", "problem_type": "problem_type", "location": "grid", "photo": None, "self_handled": "self_handled"}


class JoinForm(HoneypotMixin):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=32)
    phone = forms.CharField(label=_("Mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    kind = forms.ChoiceField(label=_("I am a"), choices=Volunteer.Kind.choices, widget=forms.RadioSelect)


class VolunteerAddForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=32)
    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    kind = forms.ChoiceField(label=_("Type"), choices=Volunteer.Kind.choices)


class DecideForm(forms.Form):
    approve = forms.BooleanField(required=False)
    note = forms.CharField(required=False, max_length=200, label=_("Reason"))


class TriageForm(forms.Form):
    outcome = forms.ChoiceField(
        label=pgettext_lazy("triage", "Decision"), widget=forms.RadioSelect,
        choices=[(O.ADOPTED, _("Adopt (register a case)")), (O.SELF_HANDLED, _("Handled by the volunteer")),
                 (O.DUPLICATE, _("Duplicate of a case")), (O.REJECTED, _("Do not adopt"))],
        error_messages={"required": _("Choose a decision.")},
    )
    note = forms.CharField(label=_("Reason / note (the reporter sees a rejection reason)"), required=False, max_length=200)
    into = forms.CharField(label=_("Original case number (for a duplicate)"), required=False, max_length=32)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class CorrectionForm(forms.Form):
    points = forms.IntegerField(label=_("Points (negative to take back)"), min_value=-1000, max_value=1000)
    note = forms.CharField(label=_("Reason"), max_length=200)

    def clean_points(self):
        value = self.cleaned_data["points"]
        if value == 0:
            raise forms.ValidationError(_("Enter a number of points other than zero."))
        return value


class RewardForm(forms.ModelForm):
    class Meta:
        model = Reward
        fields = ["name", "kind", "cost", "stock", "description", "is_active"]


class RedemptionActionForm(forms.Form):
    note = forms.CharField(required=False, max_length=200, label=_("Note"))


LEDGER_KINDS = dict(PointEntry.Kind.choices)
