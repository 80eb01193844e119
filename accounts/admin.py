from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from accounts import models
from soleflip.admin import SoleflipAdmin

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, SoleflipAdmin):  # type: ignore[misc]
    pass


@admin.register(models.User)
class UserAdmin(BaseUserAdmin, SoleflipAdmin):  # type: ignore[misc]
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "email", "role", "is_staff", "is_active", "last_login"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "Role and data protection",
            {"fields": ("role", "data_retention_until", "deletion_requested_at", "anonymized_at")},
        ),
    )
    readonly_fields = ["anonymized_at", "last_login", "date_joined"]


@admin.register(models.ApiKey)
class ApiKeyAdmin(SoleflipAdmin):
    list_display = ["name", "user", "prefix", "expires_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "=prefix", "user__email"]
    readonly_fields = ["prefix", "last_used_at"]
    autocomplete_fields = ["user"]


@admin.register(models.SystemConfig)
class SystemConfigAdmin(SoleflipAdmin):
    list_display = ["key", "description", "updated_at"]
    search_fields = ["key"]
