"""Admin: categories are editable (the import page is the bulk path); cases are read-only
and scoped — every change to a case goes through the services and its timeline."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from grids.scoping import scope

from .models import Case, CaseAttachment, CaseCategory, CaseEvent


class SubcategoryInline(admin.TabularInline):
    model = CaseCategory
    fk_name = "parent"
    fields = ["code", "name", "on_discovery", "default_urgency", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "on_discovery", "default_urgency", "is_active"]
    list_filter = ["on_discovery", "default_urgency", "is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]

    def get_inlines(self, request, obj):
        return [SubcategoryInline] if obj is not None and obj.is_major else []


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["at", "actor_label", "action", "from_status", "to_status", "note"]
    readonly_fields = fields
    ordering = ["at", "id"]


class CaseAttachmentInline(ReadOnlyInline):
    model = CaseAttachment
    fields = ["kind", "stage", "size", "width", "height", "created_at"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "status", "category", "urgency", "source", "grid", "created_at"]
    list_filter = ["status", "source", "urgency"]
    search_fields = ["number"]
    list_select_related = ["category", "grid"]
    show_full_result_count = False  # no COUNT(*) over a million rows
    inlines = [CaseEventInline, CaseAttachmentInline]

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields]

