from django.contrib import admin

from .models import AuditLog, Job, Notification, OutboxEmail


class ReadOnlyAdminMixin:
    """Records the app keeps (audit, ledgers, events): shown in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "user", "action", "object_type", "reason"]
    list_filter = ["action", "object_type"]
    search_fields = ["user__username", "reason"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: a job's life is driven by core/jobs.py, never edited by hand."""

    list_display = ["created_at", "kind", "label", "started_by", "status", "progress_done", "progress_total", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["label", "started_by__username", "uuid"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "title"]
    raw_id_fields = ["recipient", "email"]
    readonly_fields = ["created_at"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """The e-mail outbox (core/outbox.py): read-only, to see what was sent and what failed."""

    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]

    def has_add_permission(self, request):
        return False
