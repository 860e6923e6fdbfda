"""Form helpers every app may use."""

from django import forms
from django.utils.translation import gettext as _


class HiddenErrorsShownMixin:
    """Errors on hidden fields are moved to the form's own (non-field) errors, which every
    template shows: a labelled hidden field filled in by the page's script (e.g. the browser
    location) says what is wrong with it; an unlabelled one (a version, a form id) says the
    form was damaged. Without this, a bad hidden value is refused with no message at all."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not getattr(self, "_errors", None):
            return
        for name in [n for n in list(self._errors) if n in self.fields and self.fields[n].widget.is_hidden]:
            label = self.fields[name].label
            messages = self._errors.pop(name)
            shown = [f"{label}：{m}" for m in messages] if label else [
                _("The form was damaged (a hidden field is invalid). Reload the page and send it again.")
            ]
            self._errors.setdefault(forms.forms.NON_FIELD_ERRORS, self.error_class(error_class="nonfield")).extend(shown)
            if hasattr(self, "cleaned_data"):
                self.cleaned_data.pop(name, None)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses an id beyond the database's integer range with its
    usual 'not a valid value' message (SQLite raises OverflowError for it: a 500 in embedded mode)."""

    def clean(self, value):
        try:
            return super().clean(value)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                        params={"pk": next((v for v in value if str(v).isdigit() and int(v) > 2**63), "")}) from None
