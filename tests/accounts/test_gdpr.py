"""GDPR: erasure reaches every copy (the canary test), access export, retention."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.gdpr import retention_plan, user_anonymize, user_export
from accounts.models import SystemLog, User
from catalog.models import SupplierAccount
from pricing.models import ImportRun, PriceSource
from soleflip.db.acting_user import acting_user
from soleflip.db.partitions import Month, create_month_partition
from tests.factories import (
    make_import_run,
    make_price_source,
    make_supplier_account,
    make_system_log,
    make_user,
)

pytestmark = pytest.mark.django_db

CANARIES = {
    "email": "zz-canary-4f1e@example.org",
    "phone": "+49 170 5550199",
    "first": "Kanarienvogel",
    "last": "Zwitscherling",
    "account_email": "zz-canary-buyer@example.org",
}


def hits(value: str) -> list[str]:
    """Every text and JSONB column of every table in the database that still holds ``value``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.relname, a.attname
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
              AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
              AND a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype,
                                 'jsonb'::regtype, 'json'::regtype)
            """
        )
        columns = cursor.fetchall()
        found = []
        for schema, table, column in columns:
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE strpos("{column}"::text, %s) > 0', [value])
            if cursor.fetchone()[0]:
                found.append(f"{schema}.{table}.{column}")
    return found


def plant_the_canary(client) -> User:
    admin = make_user(is_staff=True, is_superuser=True)
    person = make_user(
        username="canarybird",
        email=CANARIES["email"],
        first_name=CANARIES["first"],
        last_name=CANARIES["last"],
        is_staff=True,
        password="a canary's long password",
    )
    account = make_supplier_account(
        user=person,
        email=CANARIES["account_email"],
        phone=CANARIES["phone"],
        first_name=CANARIES["first"],
        last_name=CANARIES["last"],
        street="Vogelweg 7",
        city="Federstadt",
        bank_details_encrypted="DE89370400440532013000",
    )
    # Copies: history and audit rows of changes, the admin log, login records, a session, reports.
    with acting_user(admin.pk):
        account.phone = CANARIES["phone"] + " (mobile)"
        account.save()
    client.force_login(admin)
    user_url = f"/admin/accounts/user/{person.pk}/change/"
    form = client.get(user_url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data.update(
        {
            "first_name": CANARIES["first"],
            "last_name": CANARIES["last"] + " Jr",
            "role": "user",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "change_reason": "name spelled out",
        }
    )
    assert client.post(user_url, data).status_code == 302
    client.logout()
    client.post("/admin/login/", {"username": "canarybird", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    client.post("/admin/login/", {"username": "canarybird", "password": "a canary's long password"})
    make_import_run(errors=[{"line": 3, "column": "email", "message": f"{CANARIES['email']} is not a supplier"}])
    make_system_log(message=f"called {CANARIES['phone']} about a late parcel", context={"email": CANARIES["email"]})
    for value in CANARIES.values():
        assert hits(value), f"the canary {value!r} was not planted"
    return person


def test_erasure_leaves_no_copy_of_the_canary_anywhere(client):
    person = plant_the_canary(client)
    report = user_anonymize(user=person, acting_user=None)
    assert report.values_scrubbed >= 4
    leftovers = {value: hits(value) for value in CANARIES.values()}
    assert leftovers == {value: [] for value in CANARIES.values()}
    person.refresh_from_db()
    assert person.email == f"deleted_{person.pk}@anonymized.local" and person.username == f"deleted_{person.pk}"
    assert not person.is_active and not person.has_usable_password() and person.anonymized_at
    account = SupplierAccount.objects.get(user=person)
    assert account.email.endswith("@anonymized.local") and account.phone == "" and account.bank_details_encrypted == ""


def test_erasure_works_for_an_id_whose_digits_look_like_a_card_number():
    # deleted_41804735-0692-43c0-... holds a Luhn-valid 14-digit run; the card check must not refuse it.
    person = make_user(id=uuid.UUID("41804735-0692-43c0-a498-38cebea95aeb"))
    user_anonymize(user=person, acting_user=None)
    person.refresh_from_db()
    assert person.email == f"deleted_{person.pk}@anonymized.local"


def test_erasure_is_once_only():
    person = make_user()
    user_anonymize(user=person, acting_user=None)
    with pytest.raises(ValueError, match="already anonymized"):
        user_anonymize(user=person, acting_user=None)


def test_anonymize_command_is_a_dry_run_unless_committed(capsys):
    person = make_user(email="dry@example.org")
    call_command("anonymize_user", "dry@example.org")
    assert "Dry run" in capsys.readouterr().out
    person.refresh_from_db()
    assert person.email == "dry@example.org"
    call_command("anonymize_user", "dry@example.org", "--commit")
    person.refresh_from_db()
    assert person.anonymized_at is not None


def test_admin_anonymize_action_needs_its_permission(client):
    person = make_user()
    clerk = make_user(is_staff=True, role="admin")
    clerk.groups.clear()
    clerk.user_permissions.add(
        Permission.objects.get(codename="view_user"), Permission.objects.get(codename="change_user")
    )
    client.force_login(clerk)
    client.post("/admin/accounts/user/", {"action": "anonymize", "_selected_action": [person.pk]})
    person.refresh_from_db()
    assert person.anonymized_at is None
    clerk.user_permissions.add(Permission.objects.get(codename="anonymize_user"))
    client.post("/admin/accounts/user/", {"action": "anonymize", "_selected_action": [person.pk]})
    person.refresh_from_db()
    assert person.anonymized_at is not None


def test_subject_access_export_holds_the_persons_data(client, tmp_path):
    person = make_user(email="ada@example.org", first_name="Ada")
    make_supplier_account(user=person, email="ada.buyer@example.org", phone="+44 20 7946 0000")
    with acting_user(person.pk):
        source = make_price_source(price_cents=9000)
        PriceSource.objects.filter(pk=source.pk).update(price_cents=8000)  # in price history only
    data = user_export(user=person)
    assert data["user"]["email"] == "ada@example.org"
    assert data["price_changes_made_by_them"] == 2  # the first price and the change
    assert data["supplier_accounts"][0]["phone"] == "+44 20 7946 0000"
    assert data["changes_about_them"] and json.dumps(data)
    out = tmp_path / "ada.json"
    call_command("export_subject", "ada@example.org", "--output", str(out))
    assert json.loads(out.read_text())["user"]["first_name"] == "Ada"
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.post("/admin/accounts/user/", {"action": "export_personal_data", "_selected_action": [person.pk]})
    assert response["Content-Type"] == "application/json" and b"ada@example.org" in response.content


def test_retention_anonymizes_the_due_and_drops_old_logs(settings):
    settings.GDPR_DELETION_GRACE_DAYS = 30
    settings.LOG_RETENTION_MONTHS = 12
    now = timezone.now()
    expired = make_user(data_retention_until=(now - dt.timedelta(days=1)).date())
    asked = make_user(deletion_requested_at=now - dt.timedelta(days=31))
    waiting = make_user(deletion_requested_at=now - dt.timedelta(days=5))
    kept = make_user(data_retention_until=(now + dt.timedelta(days=10)).date())
    old_month = Month.of(now.astimezone(dt.UTC)).plus(-14)
    create_month_partition("logs", old_month)
    make_system_log(created_at=old_month.start + dt.timedelta(days=1))
    plan = retention_plan(now=now)
    assert {u.pk for u in plan.users} == {expired.pk, asked.pk}
    assert f"system.logs_{old_month.suffix}" in plan.log_partitions
    call_command("apply_retention", "--commit")
    assert {u.pk for u in User.objects.filter(anonymized_at__isnull=False)} == {expired.pk, asked.pk}
    assert not User.objects.get(pk=waiting.pk).anonymized_at and not User.objects.get(pk=kept.pk).anonymized_at
    assert not SystemLog.objects.filter(created_at__lt=old_month.plus(1).start).exists()
    assert ImportRun.objects.count() == 0


def test_retention_records_the_operator_as_the_author_of_each_erasure(settings):
    from accounts.models import AuditLog

    operator = make_user(email="dpo@example.org")
    due = make_user(data_retention_until=(timezone.now() - dt.timedelta(days=1)).date())
    call_command("apply_retention", "--commit", "--as-user", "dpo@example.org")
    erasure = AuditLog.objects.filter(table_name="users", record_id=due.pk, operation="UPDATE")
    assert erasure.exists()
    assert set(erasure.values_list("changed_by", flat=True)) == {operator.pk}
