"""Forms for the workbenches and the dispatch action pages. They bind and validate input;
the rules (which department may take a case, who may act) live in dispatch.services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseCategory
from core.forms import HiddenErrorsShownMixin, SafeModelMultipleChoiceField
from grids.models import Region
from grids.scoping import scope

from . import selectors
from .models import Department, PartyKind, RectificationNotice

S = Case.Status


class DepartmentField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class VersionMixin(HiddenErrorsShownMixin, forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class QueueFilterForm(forms.Form):
    tier = forms.TypedChoiceField(label=_("Tier"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    region = forms.ChoiceField(label=_("Grid / area"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("All sources")), *Case.Source.choices])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, user, regions, categories, departments, **kwargs):
        super().__init__(*args, **kwargs)
        tiers = selectors.tier_choices(user)
        # By default every tier the user may act on (selectors.queue_tiers); one tier on request.
        self.fields["tier"].choices = [("", _("All my tiers"))] + [(value, label) for value, label in tiers]
        self.fields["status"].choices = [("", _("All open")), ("to_dispatch", _("To dispatch (new and returned)"))] + [
            (s.value, s.label) for s in selectors.QUEUE_STATUSES
        ]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.code, f"{c.code} {c.name}" if c.parent_id is None else f"\u3000{c.code} {c.name}") for c in categories
        ]
        self.fields["department"].choices = [("", _("All departments"))] + [(d.code, d.name) for d in departments]
        self._regions = {r.code: r for r in regions}
        self.fields["region"].choices = [("", _("My whole jurisdiction"))] + [
            (r.code, "\u3000" * max(0, r.level - 2) + r.name) for r in regions
        ]

    def filters(self) -> selectors.QueueFilters:
        if not self.is_bound:
            return selectors.QueueFilters()
        self.is_valid()  # a bad value is shown on its field; the valid filters still apply
        data = self.cleaned_data
        return selectors.QueueFilters(
            tier=data.get("tier"),
            status=data.get("status") or "",
            category=data.get("category") or "",
            department=data.get("department") or "",
            region=self._regions.get(data.get("region") or ""),
            overdue=bool(data.get("overdue")),
            source=data.get("source") or "",
        )


class DispatchForm(VersionMixin):
    department = DepartmentField(label=_("Department"), queryset=Department.objects.filter(is_active=True))
    note = forms.CharField(label=_("Instructions to the department"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        # Offered: the departments serving the case's place. Anything else posted is refused
        # by the service with a clear message (not a generic "invalid choice").
        self.fields["department"].widget.choices = [("", "---------")] + [
            (d.pk, d.name) for d in selectors.department_choices(case=case)
        ]


class BulkDispatchForm(forms.Form):
    cases = forms.MultipleChoiceField(label=_("Cases"), error_messages={"required": _("Tick the cases to dispatch.")})
    department = forms.ChoiceField(label=_("Department"), required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("Each to its suggested department"))] + [(d.code, d.name) for d in departments]
        self.fields["cases"].choices = [(v, v) for v in self.data.getlist("cases")] if hasattr(self.data, "getlist") else []

    def clean_cases(self):
        items = []
        for value in self.cleaned_data["cases"]:
            number, _sep, version = value.rpartition(":")
            if not number or not version.isdigit():
                raise forms.ValidationError(_("The list of cases is damaged; reload the page."))
            items.append((number, int(version)))
        return items


class NoteForm(VersionMixin):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ReasonForm(VersionMixin):
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                           error_messages={"required": _("Give a reason.")})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class HandleForm(VersionMixin):
    # The photos are sent one by one as soon as they are chosen (cases' pending uploads, keyed by
    # form_uuid), shown as previews, and kept when the form comes back with an error; without
    # JavaScript they are posted with the form and kept the same way.
    form_uuid = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
                           error_messages={"required": _("Describe what was done.")})
    photos = MultipleFileField(label=_("Photos of the result"), required=False)


class ConsultationForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=200)
    meeting_at = forms.DateTimeField(label=_("Meeting time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    location = forms.CharField(label=_("Meeting place"), max_length=100, required=False)
    departments = SafeModelMultipleChoiceField(
        label=_("Departments"), queryset=Department.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    community = forms.CharField(label=PartyKind.COMMUNITY.label, max_length=100, required=False)
    property = forms.CharField(label=PartyKind.PROPERTY.label, max_length=100, required=False)
    residents = forms.CharField(label=PartyKind.RESIDENTS.label, max_length=100, required=False)
    merchants = forms.CharField(label=PartyKind.MERCHANTS.label, max_length=100, required=False)
    others = forms.CharField(label=_("Other participants (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = selectors.department_choices(case=case)
        self.fields["departments"].label_from_instance = lambda d: d.name

    def clean_meeting_at(self):
        value = self.cleaned_data["meeting_at"]
        if value < timezone.now() - dt.timedelta(days=1):
            raise forms.ValidationError(_("The meeting time is in the past."))
        return value

    def parties(self) -> list[dict]:
        data = self.cleaned_data
        out = [{"kind": kind, "name": data.get(kind, "")} for kind in ("community", "property", "residents", "merchants") if data.get(kind)]
        out += [{"kind": PartyKind.OTHER, "name": line.strip()} for line in (data.get("others") or "").splitlines() if line.strip()]
        return out


class DecisionForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    decision = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": _("Write down the decision.")})
    decided_department = DepartmentField(label=_("The case goes to"), queryset=Department.objects.none(), required=False,
                                         empty_label=_("(stays where it is)"))
    decided_deadline = forms.DateTimeField(label=_("New handling deadline"), required=False,
                                           widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_department"].queryset = selectors.department_choices(case=case)


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Follow-up action"), max_length=200, required=False)
    owner = forms.CharField(label=_("Owner"), max_length=64, required=False)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        filled = [bool(data.get(k)) for k in ("description", "owner", "deadline")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(_("Each follow-up action needs a description, an owner and a deadline."))
        return data


ActionFormSet = forms.formset_factory(ActionForm, extra=3, max_num=10)


class NoticeForm(forms.ModelForm):
    class Meta:
        model = RectificationNotice
        fields = ["party_name", "party_code", "party_address", "finding", "legal_basis", "requirement", "deadline"]
        widgets = {
            "deadline": forms.DateInput(attrs={"type": "date"}),
            "finding": forms.Textarea(attrs={"rows": 3}),
            "legal_basis": forms.Textarea(attrs={"rows": 3}),
            "requirement": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        if value <= timezone.localdate():
            raise forms.ValidationError(_("The rectification deadline must be after today."))
        return value


class FollowUpForm(forms.Form):
    complied = forms.TypedChoiceField(
        label=_("Result"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("Rectified")), ("no", _("Not rectified: escalate"))],
    )
    note = forms.CharField(label=_("What the check found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    photos = MultipleFileField(label=_("Photos of the site"), required=False)


class RuleImportForm(forms.Form):
    file = forms.FileField(label=_("Routing rules (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return f


def queue_filter_sources(user):
    """Choices the filter form needs, in three queries whatever the queue size."""
    regions = list(
        scope(Region.objects.filter(level__gte=Region.Level.STREET), user, verb=selectors.dispatch_verb(user))
        .only("code", "name", "level", "path").order_by("path")
    )
    categories = list(CaseCategory.objects.filter(is_active=True).only("code", "name", "parent_id").order_by("code"))
    departments = list(selectors.top_departments().only("code", "name"))
    return regions, categories, departments
