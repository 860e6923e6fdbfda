"""Administrators upload the offline map overlays (GeoJSON) here."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .maps import parse_overlay
from .models import MapOverlay


class MapOverlayForm(forms.ModelForm):
    file = forms.FileField(label=_("GeoJSON file"), required=False, help_text=_("Roads, buildings, rivers … as a .geojson file (WGS 84)."))

    class Meta:
        model = MapOverlay
        fields = ["name", "kind", "order", "is_active"]

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            self.instance.geojson = parse_overlay(upload.read())
            self.instance.features = len(self.instance.geojson["features"])
        elif self.instance.pk is None:
            raise forms.ValidationError(_("Choose a GeoJSON file."))
        return data


@admin.register(MapOverlay)
class MapOverlayAdmin(admin.ModelAdmin):
    form = MapOverlayForm
    list_display = ["name", "kind", "features", "order", "is_active", "updated_at"]
    list_editable = ["order", "is_active"]
