from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import Region, StaffProfile
from .scoping import scope


@admin.register(Region)
class RegionAdmin(GuardedModelAdmin):
    """Regions in the administrator's own jurisdiction; saving goes through full_clean
    (code extends the parent's, level order, no cycles, boundary inside the parent)."""

    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    ordering = ["path"]
    readonly_fields = ["path", "min_lat", "max_lat", "min_lng", "max_lng"]
    raw_id_fields = ["parent"]

    def get_queryset(self, request):
        return scope(super().get_queryset(request).select_related("parent"), request.user)

    def save_model(self, request, obj, form, change):
        from .services import region_create, region_update

        if change:
            region_update(region=obj, **{f: form.cleaned_data[f] for f in form.changed_data})
        else:
            saved = region_create(code=obj.code, name=obj.name, level=obj.level, parent=obj.parent, boundary=obj.boundary)
            obj.pk, obj.path = saved.pk, saved.path


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["full_name", "user", "role", "department", "phone"]
    list_filter = ["role"]
    search_fields = ["full_name", "user__username"]
    raw_id_fields = ["user"]
