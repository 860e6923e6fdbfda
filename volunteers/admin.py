from django.contrib import admin

from core.admin import ReadOnlyAdminMixin

from .models import PointEntry, PointRule, Redemption, Reward, Team, Volunteer, VolunteerReport


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    """积分规则 are configured here (points per adopted report, self-handled report, active month)."""

    list_display = ["code", "points", "is_active"]
    list_editable = ["points", "is_active"]


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The ledger is append-only: read-only here; corrections are new entries (volunteer page)."""

    list_display = ["created_at", "volunteer", "kind", "points", "balance_after", "note"]
    list_filter = ["kind"]
    list_select_related = ["volunteer"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "village", "report_code"]
    readonly_fields = ["region_path"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "kind", "status", "points_balance", "points_earned"]
    list_filter = ["status", "kind"]
    readonly_fields = ["points_balance", "points_earned", "region_path", "card_token"]
    exclude = ["phone"]  # personal data: shown masked on the staff pages only


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "kind", "cost", "stock", "is_active"]


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "volunteer", "reward", "points", "status"]
    list_filter = ["status"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VolunteerReport)
class VolunteerReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "case", "team", "volunteer", "outcome"]
    list_filter = ["outcome"]

    def has_change_permission(self, request, obj=None):
        return False
