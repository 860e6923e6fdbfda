"""Admin: view-only. The registry is edited through the credit pages (services validate the
credit code and record sources); ratings, history and overrides are records (overrides are
audited and never edited). Every list is scoped like the pages (grids.scoping.scope)."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from grids.scoping import scope

from .models import ColourOverride, CreditScore, CreditScoreHistory, CreditVeto, DepartmentRating, Enterprise, PlacardToken


class ReadOnlyScoped(ReadOnlyAdminMixin, admin.ModelAdmin):
    path_field = "enterprise__region_path"

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user, path_field=self.path_field)


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyScoped):
    path_field = "region_path"
    list_display = ["name", "uscc", "region", "status", "industry", "deleted_at"]
    list_filter = ["status"]
    search_fields = ["name", "uscc"]
    list_select_related = ["region"]


@admin.register(CreditScore)
class CreditScoreAdmin(ReadOnlyScoped):
    list_display = ["enterprise", "score", "credit_class", "colour", "veto", "computed_at"]
    list_filter = ["colour", "credit_class", "veto"]
    list_select_related = ["enterprise"]


@admin.register(CreditScoreHistory)
class CreditScoreHistoryAdmin(ReadOnlyScoped):
    list_display = ["enterprise", "score", "credit_class", "colour", "trigger", "computed_at"]
    list_filter = ["trigger", "colour"]
    list_select_related = ["enterprise"]


@admin.register(ColourOverride)
class ColourOverrideAdmin(ReadOnlyScoped):
    list_display = ["enterprise", "colour", "reason", "starts_at", "expires_at", "created_by", "revoked_at"]
    list_select_related = ["enterprise", "created_by"]


@admin.register(DepartmentRating)
class DepartmentRatingAdmin(ReadOnlyScoped):
    list_display = ["enterprise", "department", "credit_class", "rated_on", "valid_until"]
    list_select_related = ["enterprise", "department"]


@admin.register(CreditVeto)
class CreditVetoAdmin(ReadOnlyScoped):
    list_display = ["enterprise", "reason", "occurred_on", "valid_until", "lifted_at"]
    list_select_related = ["enterprise"]


@admin.register(PlacardToken)
class PlacardTokenAdmin(ReadOnlyScoped):
    list_display = ["enterprise", "created_at", "revoked_at"]
    exclude = ["token"]
    list_select_related = ["enterprise"]
