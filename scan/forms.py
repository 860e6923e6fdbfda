from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Kind, ScanLink


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultiplePhotoField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What are you scanning?"), choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.ID_CARD)
    photos = MultiplePhotoField(
        label=_("Photo"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, batch: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if batch:  # the village desk: many photos at once, from the file picker (no camera capture)
            self.fields["photos"].label = _("Photos (you may select many)")
            self.fields["photos"].widget = MultipleFileInput(attrs={"accept": "image/*", "multiple": True})
        else:
            self.fields["photos"].widget.attrs.pop("multiple", None)


ID_FIELDS = [
    ("name", pgettext_lazy("ID card", "Name"), 64),  # 姓名
    ("sex", _("Sex"), 2),  # 性别
    ("nation", _("Ethnic group"), 32),  # 民族
    ("birth", _("Date of birth"), 10),  # 出生
    ("address", pgettext_lazy("ID card", "Address"), 255),  # 住址
    ("id_number", _("ID number"), 18),  # 公民身份号码
]
LICENCE_FIELDS = [
    ("name", pgettext_lazy("licence", "Name"), 200),  # 名称
    ("credit_code", _("Unified social credit code"), 18),  # 统一社会信用代码
    ("type", _("Type"), 100),  # 类型
    ("legal_rep", _("Legal representative"), 64),  # 法定代表人
    ("capital", _("Registered capital"), 100),  # 注册资本
    ("founded", _("Date of establishment"), 20),  # 成立日期
    ("term", _("Business term"), 100),  # 营业期限
    ("address", pgettext_lazy("licence", "Address"), 255),  # 住所
    ("scope", _("Business scope"), 5000),  # 经营范围
]
FIELDS_BY_KIND = {Kind.ID_CARD: ID_FIELDS, Kind.LICENCE: LICENCE_FIELDS}
LONG = {"scope", "address"}

ACTION_CHOICES = [
    ("save", _("Save to the record")),
    ("attach", _("Attach to a record")),
    ("discard", _("Discard")),
]


class ReviewForm(forms.Form):
    """Every recognised field editable; the action says where the confirmed values go."""

    action = forms.ChoiceField(choices=ACTION_CHOICES, widget=forms.HiddenInput, initial="save", required=False)
    region = forms.ChoiceField(label=_("Grid (for a new record)"), required=False)
    target = forms.ChoiceField(label=_("Attach to"), choices=ScanLink.Target.choices, required=False)
    ref = forms.CharField(label=_("Case number, inspection id or record number"), max_length=64, required=False)

    def __init__(self, *args, scan, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scan = scan
        fields = (scan.recognition or {}).get("fields", {})
        self.value_keys = []
        for key, label, limit in FIELDS_BY_KIND.get(scan.kind, []):
            f = fields.get(key) or {}
            widget = forms.Textarea(attrs={"rows": 3}) if key in LONG else forms.TextInput(attrs={"autocomplete": "off"})
            self.fields[f"f_{key}"] = forms.CharField(label=label, max_length=limit, required=False, initial=f.get("value", ""), widget=widget)
            self.value_keys.append(key)
        if scan.kind == "document":
            self.fields["f_text"] = forms.CharField(label=_("Recognised text"), required=False, max_length=20_000,
                                                    initial=scan.text, widget=forms.Textarea(attrs={"rows": 12}))
            self.value_keys.append("text")
        self.fields["region"].choices = [("", "—")] + [(str(g.pk), g.name) for g in grids]
        attach = scan.batch.attach_to or {}
        if attach:
            self.fields["target"].initial = attach.get("kind")
            self.fields["ref"].initial = attach.get("id")

    def low_keys(self) -> set[str]:
        """Fields to highlight: low confidence, or a number whose check character failed."""
        from .ocr import LOW_CONFIDENCE

        out = set()
        for key, f in ((self.scan.recognition or {}).get("fields") or {}).items():
            if f.get("confidence", 0) < LOW_CONFIDENCE or f.get("valid") is False or f.get("corrected"):
                out.add(key)
        return out

    def values(self) -> dict:
        return {key: self.cleaned_data.get(f"f_{key}", "") for key in self.value_keys}

    def value_fields(self):
        low = self.low_keys()
        conf = (self.scan.recognition or {}).get("fields") or {}
        for key in self.value_keys:
            yield {"field": self[f"f_{key}"], "key": key, "low": key in low,
                   "confidence": round((conf.get(key) or {}).get("confidence", 0) * 100),
                   "corrected": (conf.get(key) or {}).get("corrected", False)}
