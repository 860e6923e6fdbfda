"""Admin: a published (or retired) checklist version is read-only here too — it never changes.

Drafts are edited through the officer pages (import, scenes, publish), which call the
services; the admin only lets an administrator look, and fix a draft's wording.
Inspections, answers and photos are records: view-only.
"""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin

from grids.scoping import scope

from .models import Answer, ChecklistItem, ChecklistVersion, Inspection, Place, Scene


def _editable(obj) -> bool:
    version = obj if isinstance(obj, ChecklistVersion) else getattr(obj, "version", None)
    return version is None or version.is_editable


class LockedWhenPublished:
    """No change or delete once the object's version is published; no adding to it either."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or _editable(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or _editable(obj))


class ChecklistItemInline(LockedWhenPublished, admin.TabularInline):
    model = ChecklistItem
    fields = ["order", "code", "title", "department", "category", "severity", "on_discovery", "photo_required_on_fail", "required"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or _editable(obj))


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(LockedWhenPublished, admin.ModelAdmin):
    list_display = ["label", "title", "status", "published_at"]
    list_filter = ["status"]
    # Status and publication go through the publish service (retires the previous version).
    readonly_fields = ["status", "published_at", "based_on", "created_by"]
    inlines = [ChecklistItemInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(LockedWhenPublished, admin.ModelAdmin):
    list_display = ["code", "title", "version", "department", "category", "severity", "on_discovery"]
    list_filter = ["version", "department", "severity", "on_discovery"]
    search_fields = ["code", "title"]
    readonly_fields = ["version", "code"]

    def has_add_permission(self, request):
        return False  # items come from an import or a copy of a version


@admin.register(Scene)
class SceneAdmin(LockedWhenPublished, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "version"]
    list_filter = ["version", "kind"]
    filter_horizontal = ["items"]
    readonly_fields = ["version"]

    def has_add_permission(self, request):
        return False  # scenes are created on a draft's page (services.scene_create)


class ScopedAdmin(admin.ModelAdmin):
    """Region-bound records: the admin list goes through the same scoping as every other view."""

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)


@admin.register(Place)
class PlaceAdmin(ScopedAdmin):
    list_display = ["name", "place_type", "grid", "address"]
    list_filter = ["place_type"]
    search_fields = ["name", "address", "enterprise_code"]
    readonly_fields = ["region_path", "grid", "created_by"]

    def has_add_permission(self, request):
        return False  # places are created through services.place_create (grid and path from the location)


class ReadOnlyAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Submitted inspections and their answers are records: scoped, read-only."""


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["place", "scene", "inspector", "status", "submitted_at", "location_flag"]
    list_filter = ["status", "location_flag"]
    search_fields = ["client_uuid", "place__name"]
    exclude = ["draft"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["inspection", "item", "result", "fail_reason", "case"]
    list_filter = ["result"]
    raw_id_fields = ["inspection", "item", "case"]
