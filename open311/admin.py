"""Admin: API clients and their keys (a new key is shown once, then only its prefix),
the public face of the categories (services, attributes and allowed values), and the
submissions received (read-only; contact details masked)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import ApiClient, ApiKey, Service, ServiceAttribute, ServiceAttributeValue, Submission


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["prefix", "label", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # keys are created on the key page (or manage.py open311_keys), which shows the key once


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "rate_limit", "skip_triage", "created_at"]
    list_filter = ["is_active", "skip_triage"]
    search_fields = ["name", "contact"]
    inlines = [ApiKeyInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "client", "label", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["client", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "label", "client__name"]
    list_select_related = ["client"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["client", "label"] if obj is None else ["client", "label", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["client", "prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["label", "updated_at"])
            return
        key, raw = services.key_create(client=obj.client, label=obj.label)
        obj.pk, obj.prefix, obj.key_hash, obj.created_at = key.pk, key.prefix, key.key_hash, key.created_at
        messages.warning(request, _("The new API key is %(key)s — copy it now: it is stored hashed and will not be shown again.") % {"key": raw})

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        n = 0
        for key in queryset:
            if key.revoked_at is None:
                services.key_revoke(key=key)
                n += 1
        self.message_user(request, ngettext("%(n)s key revoked.", "%(n)s keys revoked.", n) % {"n": n})


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["category", "is_public", "description", "keywords"]
    list_filter = ["is_public"]
    search_fields = ["category__code", "category__name", "description", "keywords"]
    raw_id_fields = ["category"]
    list_select_related = ["category"]


class ServiceAttributeValueInline(admin.TabularInline):
    model = ServiceAttributeValue
    fields = ["key", "name", "order"]
    extra = 1


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "code", "description", "datatype", "required", "order"]
    list_filter = ["datatype", "required"]
    search_fields = ["category__code", "category__name", "code", "description"]
    raw_id_fields = ["category"]
    list_select_related = ["category"]
    inlines = [ServiceAttributeValueInline]


def _mask_email(value: str) -> str:
    if not value or "@" not in value:
        return value
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["case", "client", "request_id", "created_at"]
    list_filter = ["client"]
    search_fields = ["case__number", "request_id", "token"]
    list_select_related = ["case", "client"]
    fields = ["case", "client", "api_key", "request_id", "token", "attributes", "media_url", "masked_email", "device_id", "account_id", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("e-mail"))
    def masked_email(self, obj):
        return _mask_email(obj.email)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
