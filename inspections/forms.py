"""Forms of the inspections app: binding and field-level checks only (the rules live in services)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import HiddenErrorsShownMixin

from .models import InspectionPhoto, PlaceType, Result, Scene


class PlaceCreateForm(HiddenErrorsShownMixin, forms.Form):
    """A new place or free location, from the phone (the location comes from the browser)."""

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("The shop sign, site name, or a short description of the spot."))
    place_type = forms.ChoiceField(label=_("Kind of place"), choices=PlaceType.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.FloatField(label=_("Latitude"), required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)


class AnswerForm(forms.Form):
    """One item's answer, posted as the worker taps (htmx)."""

    item = forms.IntegerField()
    result = forms.CharField(label=_("Result"), required=False, max_length=8)
    reason = forms.CharField(label=_("Reason for failure"), required=False, max_length=200)
    remark = forms.CharField(label=_("Remark"), required=False, max_length=1000)
    fixed = forms.BooleanField(required=False)

    def error_messages_for_user(self) -> list[str]:
        """The errors as the worker should read them: an unknown item, or the field and what is wrong."""
        if "item" in self.errors:
            return [str(_("Unknown item: it is not part of this inspection's checklist."))]
        return [f"{self.fields[name].label or name}：{message}" for name, messages in self.errors.items() for message in messages]


class PhotoForm(forms.Form):
    item = forms.IntegerField()
    stage = forms.ChoiceField(choices=InspectionPhoto.Stage.choices, initial=InspectionPhoto.Stage.FAIL)
    photo = forms.FileField(label=_("Photo"), error_messages={"required": _("Choose or take a photo.")})


class SubmitForm(forms.Form):
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    remark = forms.CharField(label=_("Remark"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


_FIELD = re.compile(r"^(result|reason|remark|fixed)_(.+)$")
_FILE = re.compile(r"^(photo|after)_(.+)$")


def posted_answers(data) -> dict[str, dict]:
    """The answers the whole form carries: ``result_<item id>``, ``reason_<id>``, ``remark_<id>``, ``fixed_<id>``."""
    answers: dict[str, dict] = {}
    for key in data:
        m = _FIELD.match(key)
        if not m:
            continue
        name, item_id = m.groups()
        value = data.get(key, "")
        answers.setdefault(item_id, {})[name] = value in ("1", "on", "true") if name == "fixed" else value
    return answers


def posted_photos(files) -> list[tuple[str, str, object]]:
    """(item id, stage, file) for every ``photo_<id>`` / ``after_<id>`` file in the final post."""
    out = []
    for key in files:
        m = _FILE.match(key)
        if not m:
            continue
        kind, item_id = m.groups()
        stage = InspectionPhoto.Stage.FAIL if kind == "photo" else InspectionPhoto.Stage.AFTER
        for f in files.getlist(key):
            if getattr(f, "size", 1):
                out.append((item_id, stage, f))
    return out


class ChecklistImportForm(forms.Form):
    file = forms.FileField(label=_("Checklist workbook (.xlsx)"))
    label = forms.CharField(
        label=_("Import as version"), max_length=32, required=False,
        help_text=_("Leave empty to use the version in the settings sheet."),
    )


class VersionCopyForm(forms.Form):
    label = forms.CharField(label=_("New version"), max_length=32)


class SceneCreateForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32, help_text=_("Letters and digits, e.g. kindergarten."))
    name = forms.CharField(label=_("Name"), max_length=64)
    kind = forms.ChoiceField(label=_("kind"), choices=Scene.Kind.choices, initial=Scene.Kind.TYPE, required=False,
                             help_text=_("A place type has one full list and may have one short list; 综合巡查 holds every item."))
    place_types = forms.MultipleChoiceField(label=_("Place types"), choices=PlaceType.choices, required=False, widget=forms.CheckboxSelectMultiple)


class ResultsFilterForm(forms.Form):
    grid = forms.ChoiceField(label=_("Grid"), required=False)
    scene = forms.ChoiceField(label=_("Scene"), required=False)
    item = forms.ChoiceField(label=_("Item"), required=False)
    result = forms.ChoiceField(label=_("Result"), required=False, choices=[("", _("All results")), *Result.choices])
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, grids=(), scenes=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.grids = list(grids)
        self.fields["grid"].choices = [("", _("All grids")), *[(g.code, g.name) for g in grids]]
        self.fields["scene"].choices = [("", _("All scenes")), *[(s.code, s.name) for s in scenes]]
        self.fields["item"].choices = [("", _("All items")), *[(i.code, f"{i.code} {i.title}") for i in items]]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
