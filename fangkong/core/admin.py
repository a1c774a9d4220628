"""Django admin for superusers only: the in-app screens are the way for everyone else.

The admin applies no jurisdiction scoping, so it is closed to anyone who is not a superuser,
and the logs stay read-only here as everywhere (MLPS: nobody edits audit records).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from fangkong.core.models import (
    AccessLog,
    ApiToken,
    Job,
    Role,
    RoleGrant,
    SecurityEvent,
    User,
)


def _superuser_only(request) -> bool:
    user = request.user
    return user.is_active and user.is_superuser


admin.site.has_permission = _superuser_only
admin.site.site_header = _("Fangkong administration")
admin.site.site_title = _("Fangkong")


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    raw_id_fields = ["area"]
    readonly_fields = ["granted_by", "granted_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Fangkong"), {"fields": ("full_name", "organisation", "demo")}),
    )
    list_display = [
        "username",
        "full_name",
        "organisation",
        "is_active",
        "is_superuser",
        "demo",
        "last_login",
    ]
    list_filter = ["is_active", "is_superuser", "demo"]
    search_fields = ["username", "full_name", "organisation"]
    inlines = [RoleGrantInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort", "description"]
    search_fields = ["code", "name"]


@admin.register(RoleGrant)
class RoleGrantAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "area", "granted_by", "granted_at", "revoked_at"]
    list_filter = ["role", "revoked_at"]
    search_fields = ["user__username", "user__full_name", "area__name", "area__code"]
    raw_id_fields = ["user", "area"]
    readonly_fields = ["granted_by", "granted_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # Grants keep history: end one by setting "revoked at", never by deleting it.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete: these rows are evidence."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "subject_label", "fields", "reason", "ip"]
    list_filter = ["action"]
    search_fields = ["actor__username", "subject_label", "reason"]
    date_hierarchy = "at"


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "ip", "path", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "path"]
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    search_fields = ["name", "prefix", "user__username"]
    # The digest is useless to a reader and tokens are made only through the account page.
    exclude = ["digest"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "title", "owner", "status", "done", "total"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "owner__username"]
