from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts import models


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "role", "is_staff", "is_active", "last_login"]
    list_filter = ["role", "is_staff", "is_active"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "Role and data protection",
            {"fields": ("role", "data_retention_until", "deletion_requested_at", "anonymized_at")},
        ),
    )
    readonly_fields = ["anonymized_at"]


@admin.register(models.ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "last_used_at"]
    autocomplete_fields = ["user"]


@admin.register(models.SystemConfig)
class SystemConfigAdmin(admin.ModelAdmin):
    list_display = ["key", "description", "updated_at"]
