from django.contrib import admin

from grids.scoping import scope

from .models import Department


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "parent", "region", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return scope(super().get_queryset(request).select_related("parent", "region"), request.user)
