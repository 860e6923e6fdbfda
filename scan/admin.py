from django.contrib import admin

from .models import Scan, ScanBatch, ScanLink


@admin.register(ScanBatch)
class ScanBatchAdmin(admin.ModelAdmin):
    list_display = ("uuid", "kind", "count", "started_by", "created_at")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in ScanBatch._meta.fields]


@admin.register(Scan)
class ScanAdmin(admin.ModelAdmin):
    list_display = ("uuid", "kind", "status", "started_by", "created_at")
    list_filter = ("kind", "status")
    # Recognised values may hold ID numbers: the admin shows no list of them.
    exclude = ("recognition", "confirmed_values", "text")
    readonly_fields = [f.name for f in Scan._meta.fields if f.name not in ("recognition", "confirmed_values", "text")]


@admin.register(ScanLink)
class ScanLinkAdmin(admin.ModelAdmin):
    list_display = ("scan", "target", "object_id", "linked_by", "linked_at")
    readonly_fields = [f.name for f in ScanLink._meta.fields]
