from django.contrib import admin

from grids.scoping import scope

from .models import CalendarOverride, Consultation, ConsultationAction, Department, RectificationNotice, RoutingRule


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "parent", "region", "phone", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        return scope(super().get_queryset(request).select_related("parent", "region"), request.user)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Routing rules are data: edit one here, or many at once with the .xlsx import at /dispatch/rules/."""

    list_display = ["category", "region", "tier", "department", "urgency", "accept_limit", "accept_unit", "handle_limit", "handle_unit", "is_active"]
    list_filter = ["tier", "is_active", "department", "handle_unit"]
    search_fields = ["category__code", "category__name", "department__name", "region__name"]
    raw_id_fields = ["region"]
    list_select_related = ["category", "region", "department"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            from cases.models import CaseCategory

            kwargs["queryset"] = CaseCategory.objects.filter(parent__isnull=False).order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """Holidays, make-up working days and closures (typhoon days) that chinese_calendar does not know.
    Deadlines computed after a change use it at once (dispatch.routing.work_schedule)."""

    list_display = ["date", "is_working_day", "reason"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["reason"]


class ConsultationActionInline(admin.TabularInline):
    model = ConsultationAction
    extra = 0


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["topic", "case", "tier", "meeting_at", "status"]
    list_filter = ["status", "tier"]
    raw_id_fields = ["case", "decided_department"]
    readonly_fields = ["region_path", "opened_by", "decided_by", "decided_at"]
    inlines = [ConsultationActionInline]

    def get_queryset(self, request):
        return scope(super().get_queryset(request).select_related("case"), request.user)


@admin.register(RectificationNotice)
class RectificationNoticeAdmin(admin.ModelAdmin):
    list_display = ["number", "party_name", "department", "deadline", "status"]
    list_filter = ["status"]
    search_fields = ["number", "party_name"]
    raw_id_fields = ["case"]
    readonly_fields = ["number", "region_path", "issued_by", "followup_notified_at", "followup_at", "followup_by"]

    def get_queryset(self, request):
        return scope(super().get_queryset(request).select_related("department"), request.user)
