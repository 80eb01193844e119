"""GDPR: erasure (anonymization that reaches every copy), subject access export, retention.

Personal data lives in ``auth.users``, ``core.supplier_accounts`` and the contact fields of
``core.suppliers`` (docs/gdpr.md). Copies of it land in the history tables, in the audit
log's JSON, in Django's admin log, in the login-lockout log, in sessions and in import
run reports. Erasure rewrites the person's values everywhere they were copied, in one
transaction, and records that it happened (not what was erased).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import ApiKey, AuditLog, User
from catalog.models import SupplierAccount
from pricing.models import PriceHistory
from soleflip.db.acting_user import act_as
from soleflip.db.partitions import Month

ANONYMIZED_DOMAIN = "anonymized.local"
SUPPLIER_ACCOUNT_PERSONAL = ("email", "first_name", "last_name", "street", "postal_code", "city", "phone")
USER_PERSONAL = ("email", "username", "first_name", "last_name")
MIN_SCRUB_LENGTH = 4  # shorter values ("Al", "Li") would rewrite unrelated text


@dataclass
class ErasureReport:
    subject: str
    values_scrubbed: int = 0
    rows_changed: dict[str, int] = field(default_factory=dict)

    def add(self, place: str, count: int) -> None:
        if count:
            self.rows_changed[place] = self.rows_changed.get(place, 0) + count

    def __str__(self) -> str:
        places = ", ".join(f"{place} {n}" for place, n in sorted(self.rows_changed.items())) or "nothing else held"
        return f"{self.subject} anonymized; copies rewritten: {places}"


def _placeholder(kind: str, pk: Any) -> str:
    return f"deleted_{pk}@{ANONYMIZED_DOMAIN}" if kind == "email" else f"deleted_{pk}"


def _scrub_copies(values: dict[str, str], record_ids: list[Any], report: ErasureReport) -> None:
    """Replace each personal value where copies of it sit: the audit rows about the person, logs,
    import reports and the admin log; drop the person's login-lockout records.

    The audit log is rewritten only for the person's own records (an index lookup): scanning
    every audit row's JSON for every value would not finish on a large log.
    """
    replaceable = {v: r for v, r in values.items() if len(v) >= MIN_SCRUB_LENGTH}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL app.gdpr_scrub = 'on'")  # the audit log's one permitted rewrite
        for value, replacement in replaceable.items():
            report.values_scrubbed += 1
            # Values sit inside JSON strings: match and replace their JSON-escaped form.
            old, new = json.dumps(value)[1:-1], json.dumps(replacement)[1:-1]
            for column in ("old_values", "new_values"):
                cursor.execute(
                    f"UPDATE system.audit_log SET {column} = replace({column}::text, %s, %s)::jsonb "
                    f"WHERE table_name IN ('users', 'supplier_accounts') AND record_id = ANY(%s) "
                    f"AND strpos({column}::text, %s) > 0",
                    [old, new, record_ids, old],
                )
                report.add(f"system.audit_log.{column}", cursor.rowcount)
            for table, column in (("system.logs", "context"), ("integration.import_runs", "errors")):
                cursor.execute(
                    f"UPDATE {table} SET {column} = replace({column}::text, %s, %s)::jsonb "
                    f"WHERE strpos({column}::text, %s) > 0",
                    [old, new, old],
                )
                report.add(f"{table}.{column}", cursor.rowcount)
            for table, column in (
                ("system.logs", "message"),
                ("integration.import_runs", "message"),
                ("public.django_admin_log", "object_repr"),
                ("public.django_admin_log", "change_message"),
            ):
                cursor.execute(
                    f"UPDATE {table} SET {column} = replace({column}, %s, %s) WHERE strpos({column}, %s) > 0",
                    [value, replacement, value],
                )
                report.add(f"{table}.{column}", cursor.rowcount)
            for table in ("axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"):
                cursor.execute(f"DELETE FROM public.{table} WHERE username = %s", [value])
                report.add(f"public.{table}", cursor.rowcount)


def _past_values(obj: Any, history_model: Any, fields: tuple[str, ...], erased: str) -> dict[str, str]:
    """Every value the personal fields ever had (now and in history), each with its replacement.

    Copies in the audit log and in free text may hold an older value than today's.
    """
    replacements: dict[str, str] = {}
    versions = [obj, *history_model.objects.filter(id=obj.pk)]
    for name in fields:
        for version in versions:
            value = getattr(version, name, "")
            if value and not value.startswith("deleted_"):
                replacements[value] = _placeholder(name, obj.pk) if name in ("email", "username") else erased
    return replacements


def _history_scrub(history_model: Any, object_id: Any, values: dict[str, Any], report: ErasureReport) -> None:
    count = history_model.objects.filter(id=object_id).update(**values)
    report.add(history_model._meta.db_table, count)


@transaction.atomic
def supplier_account_anonymize(
    *, account: SupplierAccount, acting_user: Any, report: ErasureReport | None = None
) -> ErasureReport:
    """Erase a supplier account's personal data, and its copies in history, audit and logs."""
    act_as(acting_user)
    report = report or ErasureReport(f"supplier account {account.pk}")
    replacements = _past_values(account, SupplierAccount.history.model, SUPPLIER_ACCOUNT_PERSONAL, "[erased]")
    cleared: dict[str, Any] = dict.fromkeys(SUPPLIER_ACCOUNT_PERSONAL, "")
    cleared.update(
        email=_placeholder("email", account.pk),
        payment_method_token="",
        payment_method_last4="",
        bank_details_encrypted="",
        is_active=False,
    )
    for name, value in cleared.items():
        setattr(account, name, value)
    account.updated_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    account._change_reason = "GDPR erasure"  # type: ignore[attr-defined]
    account.save()
    _history_scrub(SupplierAccount.history.model, account.pk, cleared, report)
    _scrub_copies(replacements, [account.pk], report)
    return report


@transaction.atomic
def user_anonymize(*, user: User, acting_user: Any) -> ErasureReport:
    """Erase a person: their user (the review's deleted_<id>@anonymized.local), supplier accounts and copies.

    The user row stays, so orders and history keep a valid author; it can no longer log in.
    """
    act_as(acting_user)
    if user.anonymized_at is not None:
        raise ValueError(f"user {user.pk} was already anonymized on {user.anonymized_at:%Y-%m-%d}")
    report = ErasureReport(f"user {user.pk}")
    replacements = _past_values(user, User.history.model, USER_PERSONAL, "[erased]")
    user.email = _placeholder("email", user.pk)
    user.username = _placeholder("username", user.pk)
    user.first_name = user.last_name = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.anonymized_at = timezone.now()
    user.data_retention_until = None
    user._change_reason = "GDPR erasure"  # type: ignore[attr-defined]
    user.save()
    _history_scrub(
        User.history.model,
        user.pk,
        {"email": user.email, "username": user.username, "first_name": "", "last_name": ""},
        report,
    )
    for account in SupplierAccount.objects.filter(user=user):
        supplier_account_anonymize(account=account, acting_user=acting_user, report=report)
    report.add(
        "auth.api_keys (revoked)", ApiKey.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
    )
    _scrub_copies(replacements, [user.pk], report)
    report.add("public.django_session", _delete_sessions(user))
    return report


def _delete_sessions(user: User) -> int:
    doomed = [s.pk for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]
    return Session.objects.filter(pk__in=doomed).delete()[0]


def user_export(*, user: User) -> dict[str, Any]:
    """Everything SoleFlip holds on one person, as JSON-ready data (the subject access request)."""

    def rows(queryset: Any, fields: list[str]) -> list[dict[str, Any]]:
        return [{k: _jsonable(v) for k, v in row.items()} for row in queryset.values(*fields)]

    user_fields = [
        "id",
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "is_active",
        "is_staff",
        "date_joined",
        "last_login",
        "data_retention_until",
        "deletion_requested_at",
        "anonymized_at",
    ]
    account_fields = [
        "id",
        "supplier__name",
        "email",
        "first_name",
        "last_name",
        "street",
        "postal_code",
        "city",
        "country_code",
        "phone",
        "payment_provider",
        "payment_method_last4",
        "is_active",
        "last_used_at",
    ]
    accounts = SupplierAccount.objects.filter(user=user)
    return {
        "generated_at": timezone.now().isoformat(),
        "controller": getattr(settings, "GDPR_CONTROLLER", "SoleFlip"),
        "user": rows(User.objects.filter(pk=user.pk), user_fields)[0],
        "groups": list(user.groups.values_list("name", flat=True)),
        "supplier_accounts": rows(accounts, account_fields),
        "api_keys": rows(
            ApiKey.objects.filter(user=user),
            ["name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"],
        ),
        "user_history": rows(
            User.history.filter(id=user.pk).order_by("history_date"),
            ["history_date", "history_type", "history_change_reason", *USER_PERSONAL, "role"],
        ),
        "changes_about_them": rows(
            AuditLog.objects.filter(record_id__in=[user.pk, *accounts.values_list("pk", flat=True)]).order_by(
                "changed_at"
            ),
            ["changed_at", "table_name", "operation", "old_values", "new_values"],
        ),
        "changes_made_by_them": AuditLog.objects.filter(changed_by=user.pk).count(),
        # Price and stock changes are in price history, not the audit log (docs/adr/0011).
        "price_changes_made_by_them": PriceHistory.objects.filter(changed_by=user.pk).count(),
        "admin_log": rows(
            LogEntry.objects.filter(user_id=user.pk).order_by("action_time"),
            ["action_time", "content_type__model", "object_repr", "change_message"],
        ),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "hex") and not isinstance(value, bytes | str):
        return str(value)
    return value


@dataclass
class RetentionPlan:
    users: list[User]
    log_partitions: list[str]

    def __str__(self) -> str:
        return f"{len(self.users)} user(s) to anonymize, {len(self.log_partitions)} log partition(s) to drop"


def retention_plan(*, now: dt.datetime | None = None) -> RetentionPlan:
    """Who is due for erasure (retention date passed, or deletion asked for past the grace period)
    and which monthly log partitions are older than the log retention."""
    now = now or timezone.now()
    grace = dt.timedelta(days=settings.GDPR_DELETION_GRACE_DAYS)
    due = User.objects.filter(anonymized_at__isnull=True).filter(
        models.Q(data_retention_until__lt=now.date()) | models.Q(deletion_requested_at__lt=now - grace)
    )
    cutoff = Month.of(now.astimezone(dt.UTC)).plus(-settings.LOG_RETENTION_MONTHS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname IN ('system', 'archive') AND c.relname ~ '^logs_[0-9]{4}_[0-9]{2}$' "
            "ORDER BY 1"
        )
        names = [row[0] for row in cursor.fetchall()]
    old = [n for n in names if (int(n[-7:-3]), int(n[-2:])) < (cutoff.year, cutoff.month)]
    return RetentionPlan(users=list(due.order_by("date_joined")), log_partitions=old)


def retention_apply(plan: RetentionPlan, *, acting_user: Any) -> list[ErasureReport]:
    """Carry out a retention plan: each erasure and each partition drop in its own transaction."""
    reports = [user_anonymize(user=user, acting_user=acting_user) for user in plan.users]
    for name in plan.log_partitions:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {name}")  # detached or attached, a month of logs goes whole
    return reports
