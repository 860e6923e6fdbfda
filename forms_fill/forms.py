"""Forms of forms_fill. Every choice of a region is limited to the user's jurisdiction."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.identifiers import check_id_number, check_phone

from . import catalogue
from .catalogue import ENTERPRISE, PERSON
from .fill import MAX_KEYS
from .models import TableTemplate

MAX_UPLOAD = 50 * 1024 * 1024


def grid_queryset(user, verb="manage"):
    from grids.models import Region
    from grids.scoping import scope

    qs = scope(Region.objects.filter(level=Region.Level.GRID), user, verb=verb)
    if not qs.exists():
        qs = scope(Region.objects.filter(level=Region.Level.GRID), user)
    return qs.order_by("path")


class RegionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PersonForm(forms.Form):
    """All editable catalogue fields of a person; ID number only when adding."""

    def __init__(self, *args, user, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        if person is None:
            self.fields["id_number"] = forms.CharField(label="公民身份号码", max_length=40)
        self.fields["grid"] = RegionChoice(queryset=grid_queryset(user), label="所属网格")
        for f in catalogue.PERSON_FIELDS:
            if f.derived or f.key in ("id_number", "grid"):
                continue
            required = f.key == "name"
            if f.type == catalogue.DATE:
                field = forms.DateField(label=f.label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
            elif f.type == catalogue.CHOICE and f.choices:
                field = forms.ChoiceField(label=f.label, required=False, choices=[("", "—")] + [(c, c) for c in f.choices])
            else:
                limit = 2000 if f.key == "remarks" else (20 if f.type == catalogue.PHONE else 255)
                if f.key == "name":
                    limit = 64
                field = forms.CharField(label=f.label, required=required, max_length=limit,
                                        widget=forms.Textarea(attrs={"rows": 2}) if f.key == "remarks" else None)
            field.group = f.group
            field.sensitive = f.sensitive
            self.fields[f.key] = field

    def clean_id_number(self):
        result = check_id_number(self.cleaned_data["id_number"])
        if not result.ok:
            raise forms.ValidationError(result.messages)
        from .models import Person

        if Person.objects.filter(id_number=result.value).exists():
            raise forms.ValidationError(_("A person with this ID number is already recorded (perhaps outside your "
                                          "jurisdiction, or deleted); ask the district to move or restore them."))
        self.id_warnings = [p.message for p in result.warnings]
        return result.value

    def _clean_phone(self, key):
        value = self.cleaned_data.get(key, "")
        if not value:
            return ""
        result = check_phone(value)
        if not result.ok:
            raise forms.ValidationError(result.messages)
        return result.value

    def clean_phone(self):
        return self._clean_phone("phone")

    def clean_emergency_phone(self):
        return self._clean_phone("emergency_phone")

    def values(self) -> dict:
        data = {}
        for key, value in self.cleaned_data.items():
            if key in ("id_number", "grid"):
                continue
            if hasattr(value, "isoformat"):
                value = value.isoformat() if catalogue.field(PERSON, key).column is None else value
            data[key] = value if value is not None else ""
        return data


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), min_length=2, max_length=200)


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=100, required=False)


class ImportForm(forms.Form):
    entity = forms.ChoiceField(label=_("Records"), choices=[(PERSON, _("Natural persons")), (ENTERPRISE, _("Legal persons"))])
    source = forms.CharField(label=_("Source"), max_length=100,
                             help_text=_("Where the data comes from, e.g. “市人社局 2026-11 回流”."))
    file = forms.FileField(label=_("File (.xlsx or .csv)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise forms.ValidationError(_("Upload an .xlsx workbook or a .csv file."))
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        head = f.read(4)
        f.seek(0)
        if name.endswith(".xlsx") and not head.startswith(b"PK"):
            raise forms.ValidationError(_("This is not an .xlsx workbook."))
        return f


class ComposeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    entity = forms.ChoiceField(label=_("Records"), choices=[(PERSON, _("Natural persons")), (ENTERPRISE, _("Legal persons"))])
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    header_lines = forms.CharField(label=_("Header lines (one per line)"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    columns = forms.CharField(label=_("Columns"), widget=forms.HiddenInput, required=False, max_length=3000)
    keys = forms.MultipleChoiceField(label=_("Fields"), required=False, widget=forms.CheckboxSelectMultiple,
                                     choices=[(f"{e}:{f.key}", f.label) for e in (PERSON, ENTERPRISE)
                                              for f in catalogue.fields(e)])
    order = forms.CharField(label=_("Order (field labels, comma-separated, optional)"), required=False, max_length=3000)

    def clean(self):
        data = super().clean()
        entity = data.get("entity")
        if not entity:
            return data
        picked = [k.split(":", 1)[1] for k in data.get("keys", []) if k.startswith(entity + ":")]
        order = [s.strip() for s in (data.get("order") or "").replace(",", ",").split(",") if s.strip()]
        ordered = []
        for label in order:
            f = catalogue.by_label(entity, label)
            if f is None:
                self.add_error("order", _("“%(label)s” is not a field.") % {"label": label[:30]})
            elif f.key not in ordered:
                ordered.append(f.key)
        ordered += [k for k in picked if k not in ordered]
        if not ordered:
            self.add_error("keys", _("Pick at least one field."))
        data["column_keys"] = ordered
        data["header_line_list"] = [s.strip()[:200] for s in (data.get("header_lines") or "").splitlines() if s.strip()][:5]
        return data


class OfficialUploadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    entity = forms.ChoiceField(label=_("Records"), choices=[(PERSON, _("Natural persons")), (ENTERPRISE, _("Legal persons"))])
    file = forms.FileField(label=_("Official template (.xlsx)"))

    def clean_file(self):
        from .official import MAX_TEMPLATE_BYTES

        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx") or f.size > MAX_TEMPLATE_BYTES:
            raise forms.ValidationError(_("Upload an .xlsx workbook of at most 5 MB."))
        if not f.read(4).startswith(b"PK"):
            raise forms.ValidationError(_("This is not an .xlsx workbook."))
        f.seek(0)
        return f


class MappingForm(forms.Form):
    """One choice per header cell: which tag fills that column."""

    def __init__(self, *args, template: TableTemplate, headers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— leave empty —"))] + [(f.key, f.label) for f in catalogue.fields(template.entity)]
        self.headers = headers
        for h in headers:
            self.fields[f"col_{h['letter']}"] = forms.ChoiceField(
                label=f"{h['letter']} · {h['text']}", choices=choices, required=False,
                initial=(template.mapping or {}).get(h["letter"], ""))
        self.fields["first_data_row"] = forms.IntegerField(label=_("First data row"), min_value=2, max_value=100,
                                                           initial=template.first_data_row)

    def mapping(self) -> dict:
        return {h["letter"]: self.cleaned_data[f"col_{h['letter']}"] for h in self.headers
                if self.cleaned_data.get(f"col_{h['letter']}")}


class FillForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Table"), queryset=TableTemplate.objects.none())
    mode = forms.ChoiceField(label=_("Which records"), initial="keys", widget=forms.RadioSelect,
                             choices=[("keys", _("The numbers I paste or upload")),
                                      ("filter", _("Every record matching the filter in my jurisdiction"))])
    keys = forms.CharField(label=_("ID numbers / credit codes (one per line)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}), max_length=MAX_KEYS * 25)
    keys_file = forms.FileField(label=_("…or a file with one number per line (.txt, .csv, .xlsx first column)"),
                                required=False)
    filters = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["template"].label_from_instance = lambda t: f"{t.name} ({catalogue.ENTITY_LABELS[t.entity]})"

    def clean(self):
        data = super().clean()
        if data.get("mode") == "keys":
            text = data.get("keys") or ""
            upload = data.get("keys_file")
            if upload:
                text += "\n" + read_keys_file(upload)
            if not text.strip():
                self.add_error("keys", _("Paste at least one number, or upload a file."))
            data["keys_text"] = text
        return data


def read_keys_file(upload) -> str:
    if upload.size > MAX_UPLOAD:
        raise forms.ValidationError(_("The file is larger than 50 MB."))
    head = upload.read(4)
    upload.seek(0)
    if head.startswith(b"PK"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(upload, read_only=True, data_only=True)
        except Exception:
            raise forms.ValidationError(_("The workbook cannot be read.")) from None
        lines = []
        for row in wb.worksheets[0].iter_rows(values_only=True, max_col=1):
            if row and row[0] is not None:
                lines.append(str(row[0]))
            if len(lines) > MAX_KEYS + 1:
                break
        wb.close()
        return "\n".join(lines)
    raw = upload.read()
    if b"\x00" in raw:
        raise forms.ValidationError(_("The file is not text."))
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise forms.ValidationError(_("The file is neither UTF-8 nor GB18030 text."))
