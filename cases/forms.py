"""Forms of the cases app: they bind and validate input; the services do the work."""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import HiddenErrorsShownMixin

from .models import Case, Urgency
from .selectors import case_get_for_user, category_active


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each one is checked by content in the services."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items if item]


class CategoryField(forms.Field):
    """An active 小类 by its primary key, looked up in the per-process category catalogue
    (cases.selectors.category_catalogue): choosing a category costs the report no query."""

    default_error_messages = {"invalid_choice": _("Choose a case category from the list.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        category = category_active(value)
        if category is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return category

    def prepare_value(self, value):
        return getattr(value, "pk", value)


class CaseReportForm(HiddenErrorsShownMixin, forms.Form):
    """The phone's report form (上报). Photos are uploaded one by one while it is being
    filled in (PendingUpload, keyed by ``client_uuid``); posted photos are accepted too."""

    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    category = CategoryField(
        label=_("Category"),
        error_messages={
            "required": _("Choose a case category."),
            "invalid_choice": _("Choose a case category from the list."),
        },
    )
    description = forms.CharField(
        label=_("Problem description"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the problem.")},
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=[("", _("Category default"))] + list(Urgency.choices), required=False)
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    place_name = forms.CharField(label=_("Place or shop name (optional)"), max_length=100, required=False)
    fixed_on_spot = forms.BooleanField(label=_("I fixed it on the spot (发现即办)"), required=False)
    handling_note = forms.CharField(label=_("What did you do?"), max_length=500, required=False)
    photos = MultipleFileField(label=_("Photos"))
    after_photos = MultipleFileField(label=_("Photos after handling"))

    def clean(self):
        data = super().clean()
        lat, lng = data.get("latitude"), data.get("longitude")
        if "latitude" not in self.errors and "longitude" not in self.errors and (lat is None or lng is None):
            self.add_error(
                "latitude", _("The location is missing: allow location access or pick the place on the map.")
            )
        category = data.get("category")
        if data.get("fixed_on_spot") and category is not None and not category.on_discovery:
            self.add_error(
                "fixed_on_spot", _("This category cannot be handled on the spot; it must be dispatched.")
            )
        return data

    @staticmethod
    def new_uuid() -> uuid.UUID:
        return uuid.uuid4()


# Errors from the services, by code, go next to the field they are about.
REPORT_ERROR_FIELDS = {
    "category": "category",
    "description": "description",
    "location": "latitude",
    "not_on_discovery": "fixed_on_spot",
    "before_photo": "photos",
    "after_photo": "after_photos",
}


class CaseActionForm(HiddenErrorsShownMixin, forms.Form):
    """The generic action page: a note, photos, and the version the page showed."""

    form_uuid = forms.UUIDField(widget=forms.HiddenInput)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    into = forms.CharField(label=_("Original case number"), max_length=32, required=False)
    photos = MultipleFileField(label=_("Photos"))
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, case: Case | None = None, transition=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.case, self.transition = user, case, transition
        if transition is not None and transition.needs_note:
            self.fields["note"].label = _("Reason")
        if transition is None or transition.action != "merge":
            del self.fields["into"]

    def clean_note(self):
        note = self.cleaned_data.get("note", "").strip()
        if self.transition is not None and self.transition.needs_note and not note:
            raise ValidationError(_("Give a reason for “%(action)s”.") % {"action": self.transition.label})
        return note

    def clean_into(self):
        number = self.cleaned_data.get("into", "").strip()
        if not number:
            raise ValidationError(_("Choose the original case to merge into."))
        if self.case is not None and number == self.case.number:
            raise ValidationError(_("A case cannot be merged into itself."))
        from django.http import Http404

        try:
            return case_get_for_user(user=self.user, number=number)
        except Http404:
            raise ValidationError(_("There is no case %(number)s in your jurisdiction.") % {"number": number}) from None

    def clean_next(self):
        value = self.cleaned_data.get("next", "")
        # Only local paths (no open redirect).
        return value if value.startswith("/") and not value.startswith("//") else ""


class VerifyForm(HiddenErrorsShownMixin, forms.Form):
    """核查 on the phone: passed or failed (with a reason), with a photo of the site."""

    OUTCOMES = [("verify", _("Fixed: verification passed")), ("verify_fail", _("Not fixed: verification failed"))]

    form_uuid = forms.UUIDField(widget=forms.HiddenInput)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    outcome = forms.ChoiceField(
        label=_("Result of the on-site check"), choices=OUTCOMES, widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the problem is fixed.")},
    )
    note = forms.CharField(label=_("Note (required if not fixed)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("Photo of the site"))

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "verify_fail" and not data.get("note", "").strip():
            self.add_error("note", _("Say what is still wrong: a reason is required when verification fails."))
        return data


class CaseFilterForm(forms.Form):
    """Filters of the staff case list. Choices are built by the view from scoped selectors."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    # Set by the dashboard's links (dashboard app): reported from/to (inclusive), department, group.
    since = forms.DateField(label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Reported to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    department = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    group = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        ("", ""), ("found", "found"), ("open", "open"), ("dispatched", "dispatched"), ("overdue", "overdue"), ("escalated", "escalated"),
    ])

    def __init__(self, *args, categories=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses"))] + list(Case.Status.choices)
        self.fields["source"].choices = [("", _("All sources"))] + list(Case.Source.choices)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.code, f"{c.code} {c.name}" if c.parent_id else f"{c.code} {c.name} ▸") for c in categories
        ]
        self.region_paths = {r.code: r.path for r in regions}
        self.fields["region"].choices = [("", _("All my regions"))] + [
            (r.code, ("\u3000" * (r.level - 1)) + r.name) for r in regions
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "status": data.get("status") or None,
            "category": data.get("category") or None,
            "region_path": self.region_paths.get(data.get("region") or ""),
            "source": data.get("source") or None,
            "since": _day_start(data.get("since")),
            "until": _day_start(data["until"] + datetime.timedelta(days=1)) if data.get("until") else None,
            "department": data.get("department") or None,
            "group": data.get("group") or None,
        }


def _day_start(day):
    """The start of a local day as an aware datetime (None for no day)."""
    if day is None:
        return None
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


class CategoryImportForm(forms.Form):
    file = forms.FileField(
        label=_("Category file (.xlsx or .json)"),
        error_messages={"required": _("Choose a file to import.")},
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > 5 * 1024 * 1024:
            raise ValidationError(_("The file is too large. The maximum size is %(limit)s MB.") % {"limit": 5})
        return file
