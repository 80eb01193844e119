import functools
import json
import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst
from procrastinate.contrib.django.admin import ProcrastinateJobAdmin
from procrastinate.contrib.django.models import ProcrastinateJob
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from accounts import models
from accounts.gdpr import user_anonymize, user_export
from accounts.roles import grants_permissions
from accounts.services import API_SCOPES, api_key_create, api_key_revoke
from soleflip.admin.base import ChoiceLookupGuard, HistoryAdmin, ReadOnlyAdminMixin, SoleflipAdmin
from soleflip.db.audit import audited_models

admin.site.unregister(Group)

# The background jobs screen, with its status filter guarded like every other list's.
admin.site.unregister(ProcrastinateJob)


@admin.register(ProcrastinateJob)
class GuardedProcrastinateJobAdmin(ChoiceLookupGuard, ProcrastinateJobAdmin):
    pass


RAW_PERMISSION_FIELDS = ("is_superuser", "groups", "user_permissions")
RAW_PERMISSIONS: Any = (
    "Permissions",
    {
        "classes": ["collapse"],
        "fields": RAW_PERMISSION_FIELDS,
        "description": (
            "The role above decides the role group. Other groups and single permissions add to it; "
            "a read-only person is never a superuser and keeps only view permissions."
        ),
    },
)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, SoleflipAdmin):  # type: ignore[misc]
    pass


@admin.register(models.User)
class UserAdmin(BaseUserAdmin, HistoryAdmin):  # type: ignore[misc]
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "email", "role", "is_staff", "is_active", "last_login"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    # The role decides a person's access; the raw permissions below it are for admins only.
    fieldsets = (
        (None, {"fields": ("username", "password", "role")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("is_active", "is_staff")}),
        RAW_PERMISSIONS,
        ("Important dates", {"fields": ("last_login", "date_joined")}),
        ("Data protection", {"fields": ("data_retention_until", "deletion_requested_at", "anonymized_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ["wide"], "fields": ("username", "usable_password", "password1", "password2", "role")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("is_active", "is_staff")}),
        RAW_PERMISSIONS,
    )
    readonly_fields = ["anonymized_at", "last_login", "date_joined"]
    actions = ["anonymize", "export_personal_data"]

    def get_fieldsets(self, request: HttpRequest, obj: models.User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if grants_permissions(request.user):
            return fieldsets
        # Left out of the form too, so a posted value is ignored.
        hidden = set(RAW_PERMISSION_FIELDS)
        kept = [(name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]}) for name, opts in fieldsets]
        return [(name, opts) for name, opts in kept if opts["fields"]]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        form.instance.sync_role()  # the groups box was saved after the role: the role wins

    def has_anonymize_user_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.anonymize_user")

    def has_export_personal_data_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.export_personal_data")

    @admin.action(description="Anonymize (GDPR erasure, cannot be undone)", permissions=["anonymize_user"])
    def anonymize(self, request: HttpRequest, queryset: QuerySet[models.User]) -> None:
        for user in queryset.filter(anonymized_at__isnull=True).exclude(pk=str(request.user.pk)):
            report = user_anonymize(user=user, acting_user=request.user)
            self.message_user(request, str(report), messages.SUCCESS)

    @admin.action(description="Export personal data (JSON)", permissions=["export_personal_data"])
    def export_personal_data(self, request: HttpRequest, queryset: QuerySet[models.User]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one person to export.", messages.WARNING)
            return None
        user = queryset.get()
        response = HttpResponse(
            json.dumps(user_export(user=user), indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="personal-data-{user.pk}.json"'
        return response


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in API_SCOPES], widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = models.ApiKey
        fields = ["name", "user", "scopes", "expires_at"]


@admin.register(models.ApiKey)
class ApiKeyAdmin(SoleflipAdmin):
    """Keys are shown once, when made; afterwards only their prefix. Revoke instead of delete."""

    form = ApiKeyForm
    list_display = ["name", "user", "prefix", "scopes", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "=prefix", "user__email"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: models.ApiKey | None = None) -> list[str]:
        return [] if obj is None else ["name", "user", "prefix", "scopes", "expires_at", "last_used_at", "revoked_at"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # revoked keys stay, so their use stays explainable

    def save_model(self, request: HttpRequest, obj: models.ApiKey, form: forms.ModelForm, change: bool) -> None:
        if change:
            return
        key, full = api_key_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data["expires_at"],
        )
        obj.pk = key.pk
        self.message_user(request, f"API key made. Copy it now, it is not shown again: {full}", messages.WARNING)

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[models.ApiKey]) -> None:
        for key in queryset:
            api_key_revoke(key=key)
        self.message_user(request, f"{queryset.count()} key(s) revoked.")


@admin.register(models.SystemConfig)
class SystemConfigAdmin(SoleflipAdmin):
    list_display = ["key", "description", "updated_at"]
    search_fields = ["key"]


@functools.cache
def audited_names() -> dict[str, str]:
    """Each audited table's records by the name people know them by: "orders" → "Orders"."""
    return {model._meta.db_table: str(capfirst(model._meta.verbose_name_plural)) for model in audited_models()}


class AuditedTableFilter(admin.SimpleListFilter):
    title = "table"
    parameter_name = "table"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return sorted(audited_names().items(), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[models.AuditLog]) -> QuerySet[models.AuditLog]:
        return queryset.filter(table_name=self.value()) if self.value() else queryset


@admin.register(models.AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, SoleflipAdmin):
    """Search the trigger-written audit log by table, record, user and time. Read-only."""

    list_display = ["changed_at", "what", "operation", "record_id", "actor", "changed_fields"]
    list_filter = [AuditedTableFilter, "operation", ("changed_at", RangeDateTimeFilter)]
    list_filter_submit = True
    search_fields = ["record_id"]
    search_help_text = "A record's id, or the e-mail of the user who made the change."
    ordering = ["-changed_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.AuditLog]:
        actors = models.User.objects.filter(pk=OuterRef("changed_by")).values("email")[:1]
        return super().get_queryset(request).annotate(actor_email=Subquery(actors))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[models.AuditLog], search_term: str
    ) -> tuple[QuerySet[models.AuditLog], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(record_id=uuid.UUID(term)), False
        except ValueError:
            users = models.User.objects.filter(email__iexact=term).values("pk")
            return queryset.filter(changed_by__in=users), False

    @admin.display(description="what", ordering="table_name")
    def what(self, obj: models.AuditLog) -> str:
        """The kind of record by its name ("Orders"), not the table's."""
        return audited_names().get(obj.table_name, obj.table_name.replace("_", " ").capitalize())

    @admin.display(description="by", ordering="actor_email")
    def actor(self, obj: models.AuditLog) -> str:
        return getattr(obj, "actor_email", None) or ("system" if obj.changed_by is None else "a user no longer known")

    @admin.display(description="changed")
    def changed_fields(self, obj: models.AuditLog) -> str:
        if obj.operation != "UPDATE" or not obj.old_values or not obj.new_values:
            return "–"
        keys = [k for k in obj.new_values if obj.old_values.get(k) != obj.new_values.get(k) and k != "updated_at"]
        return ", ".join(keys) or "–"
