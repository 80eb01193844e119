"""GDPR: erasure reaches every copy (the canary test), access export, retention."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import InvalidToken
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.gdpr import Values, is_short, retention_plan, supplier_account_anonymize, user_anonymize, user_export
from accounts.models import ApiKey, AuditLog, Role, SystemLog, User
from accounts.services import api_key_create
from catalog.models import SupplierAccount
from pricing.admin_imports import run_pending_job, upload_dir
from pricing.models import ImportRun, PriceSource
from soleflip.db.acting_user import acting_user
from soleflip.db.backup import find_tool
from soleflip.db.crypto import fernet
from soleflip.db.partitions import Month, archive_partition, create_month_partition
from tests.database import conninfo
from tests.factories import (
    make_import_run,
    make_inventory,
    make_price_source,
    make_supplier,
    make_supplier_account,
    make_supplier_history,
    make_system_log,
    make_user,
)
from tests.transactions.test_reports_import import HISTORICAL, historical_row, make_shop, pair, write_csv

pytestmark = pytest.mark.django_db

# --- the canary test ----------------------------------------------------------------------

CANARY = {
    "email": "Zz.Canary-Bo@Example.ORG",  # mixed case: copies are written in other cases too
    "username": "CanaryBird7",
    "first": "Bo",  # short: replaced only where it is a whole value
    "last": "Zwitscherling",
    "old_last": "Vogelsangerin",  # a past value: kept by history and the audit log only
    "account_email": "Bo.Buyer-Canary@Example.NET",
    "phone": "+49 170 5550199",
    "token": "pm_CanaryTok_xK2vQeLw",
    "last4": "7319",  # short
    "iban": "DE89370400440532013000",
    "iban_grouped": "DE89 3704 0044 0532 0130 00",
}
SHORT = ("first", "last4")
BANK_DETAILS = f"Bo {CANARY['last']}\nIBAN: {CANARY['iban']}\nBIC: COBADEFFXXX"
_COPY = re.compile(r"^COPY (\S+) \((.*)\) FROM stdin;$")
_FERNET = re.compile(r"gAAAAA[0-9A-Za-z_\-]+=*")


def pg_dump() -> str:
    """A plain ``pg_dump`` (schema and data) of the test database, as an operator would take it.

    The client of the server's own major (``find_tool``): an older pg_dump refuses a newer server.
    pg_dump is no optional tool here (backups need it): without it the test fails, saying so.
    """
    program = find_tool("pg_dump")
    env = {**os.environ, "PGPASSWORD": connection.settings_dict.get("PASSWORD") or ""}
    done = subprocess.run([program, "--format=plain", "--dbname", conninfo()], env=env, capture_output=True, check=True)
    return done.stdout.decode()


def text_columns() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema || '.' || table_name || '.' || column_name FROM information_schema.columns "
            "WHERE data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
        )
        return {row[0] for row in cursor.fetchall()}


def dump_hits(dump: str, value: str, texts: set[str]) -> set[str]:
    """The places (schema.table.column) of a dump that still hold ``value``, in any letter case.

    A long value is found anywhere; a short one where it is a whole text value or a whole
    JSON string (as erasure replaces it).
    """
    needle, short = value.lower(), value in (CANARY[k] for k in SHORT)
    as_json = re.compile(rf'"\s*{re.escape(needle)}\s*"', re.IGNORECASE)
    found, table, columns = set(), "", []
    for line in dump.splitlines():
        copy = _COPY.match(line)
        if copy:
            table, columns = copy.group(1).replace('"', ""), [c.strip().strip('"') for c in copy.group(2).split(",")]
            continue
        if line == "\\.":
            table = ""
            continue
        if not table:
            if not short and needle in line.lower():
                found.add("(schema)")
            continue
        for column, cell in zip(columns, line.split("\t"), strict=False):
            place = f"{table}.{column}"
            if short:
                hit = place in texts and (cell.strip().lower() == needle or as_json.search(cell))
            else:
                hit = needle in cell.lower()
            if hit:
                found.add(place)
    return found


def decrypting_copies(dump: str) -> list[str]:
    """Every encrypted value in the dump that still decrypts (with the live keys) to the IBAN or the holder."""
    plain = []
    for token in _FERNET.findall(dump):
        try:
            text = fernet().decrypt(token.encode()).decode()
        except InvalidToken:
            continue
        if CANARY["iban"] in text or CANARY["last"] in text:
            plain.append(text)
    return plain


def media_hits(root: Path) -> dict[str, list[str]]:
    """Files under MEDIA_ROOT whose name or content holds a canary value (short ones as whole CSV cells)."""
    found: dict[str, list[str]] = {}
    for path in root.rglob("*") if root.exists() else []:
        if not path.is_file():
            continue
        text = f"{path.name}\n{path.read_bytes().decode(errors='replace')}".lower()
        cells = {cell.strip().strip('"') for cell in re.split(r"[,;|\t\n]", text)}
        for key, value in CANARY.items():
            if (value.lower() in cells) if key in SHORT else (value.lower() in text):
                found.setdefault(key, []).append(path.name)
    return found


def admin_edit(client: Client, url: str, **changes: str) -> None:
    """Change a row through its admin form, as a person would."""
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple | dt.datetime)}
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def upload(client: Client, name: str, rows: list[dict[str, str]], tmp_path: Path, **post: str):
    header = [*HISTORICAL, "Buyer Email"]
    path = write_csv(tmp_path / name, header, rows)
    file = SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")
    response = client.post("/admin/pricing/importrun/import/", {"kind": "sales", "platform": "stockx", "file": file})
    assert response.status_code == 200 and response.context["preview"].status != "failed"
    return response.context["token"]


def plant_the_canary(tmp_path: Path, settings) -> tuple[User, SupplierAccount, Path]:
    """Spread the canary through the normal paths: admin edits, services, logins, imports, jobs, logs, upkeep."""
    c = CANARY
    tmp_path.mkdir()
    shop = make_shop()
    for _ in range(3):
        pair(shop.dunk, shop.sizes["44.5"], days_ago=10)
    admin = make_user(is_staff=True, is_superuser=True, role=Role.ADMIN, email="dpo@soleflip.test")
    person = make_user(
        username=c["username"],
        email=c["email"],
        first_name=c["first"],
        last_name=c["old_last"],
        is_staff=True,
        role=Role.USER,
        password="a canary's long password",
    )
    with acting_user(admin.pk):
        supplier = make_supplier(
            name="Federhaus",
            slug="federhaus",
            contact_person=f"Bo {c['last']}",
            notes=f"invoices: {c['email'].lower()}",
        )
        account = make_supplier_account(
            supplier=supplier,
            user=person,
            email=c["account_email"],
            first_name=c["first"],
            last_name=c["last"],
            street="Vogelweg 7",
            postal_code="12345",
            city="Federstadt",
            phone=c["phone"],
            payment_provider="stripe",
            payment_method_token=c["token"],
            payment_method_last4=c["last4"],
            bank_details_encrypted=BANK_DETAILS,
        )
        make_inventory(supplier_account=account, notes=f"bought on {c['last'].upper()}'s account; call {c['phone']}")
        make_supplier_history(
            supplier=supplier,
            description=f"{c['email']} complained; refund to {c['iban_grouped']}",
            details={"by": c["first"]},
        )
    admin_client = Client()
    admin_client.force_login(admin)
    admin_edit(
        admin_client,
        f"/admin/accounts/user/{person.pk}/change/",
        last_name=c["last"],
        role="user",
        date_joined_0="2026-01-01",
        date_joined_1="10:00:00",
        change_reason=f"married: {c['old_last']} per {c['email'].upper()}",
    )
    # An update of the account: its audit row holds the bank details twice (old and new), encrypted.
    admin_edit(
        admin_client,
        f"/admin/catalog/supplieraccount/{account.pk}/change/",
        phone=f"{c['phone']} (mobile)",
        change_reason=f"new phone, asked by {c['username']}",
    )
    api_key_create(user=person, name=f"Bo {c['last']} laptop")
    api_key_create(user=admin, name=f"sync for {c['account_email'].lower()}")
    make_import_run(
        file_name=f"{c['username']}-feed.csv",
        errors=[{"line": 3, "column": "email", "message": f"{c['email']} is not a supplier"}],
        message=f"{c['token']} rejected: pays to {c['iban']}",
    )
    make_system_log(
        message=f"called {c['phone']} about a late parcel", context={"email": c["email"].lower(), "to": c["first"]}
    )
    # Imports from the admin: one confirmed (its upload is deleted when the run ends), one confirmed
    # into the worker, two previewed and never confirmed: one named after the person, one of the
    # person's own that holds their e-mail.
    rows = [historical_row("C-1", "EU 44.5")]
    token = upload(admin_client, f"{c['last']}-stockx.csv", rows, tmp_path)
    admin_client.post("/admin/pricing/importrun/import/", {"confirm": token})
    settings.IMPORT_SYNC_MAX_BYTES = 10
    token = upload(admin_client, f"bo-{c['last'].lower()}-big.csv", [historical_row("C-2", "EU 44.5")], tmp_path)
    admin_client.post("/admin/pricing/importrun/import/", {"confirm": token})
    from procrastinate.contrib.django.models import ProcrastinateJob

    job = ProcrastinateJob.objects.get(task_name="pricing.tasks.run_import", args__job__name__startswith="bo-")
    run_pending_job(job.args["job"], job.args["user_id"])
    settings.IMPORT_SYNC_MAX_BYTES = 5 * 1024 * 1024
    upload(admin_client, f"{c['last'].lower()}-payouts.csv", [historical_row("C-3", "EU 44.5")], tmp_path)
    person_client = Client()
    login = {"username": c["username"], "password": "a canary's long password"}
    assert person_client.post("/admin/login/", login).status_code == 302
    upload(person_client, "stockx-july.csv", [historical_row("C-3", "EU 44.5", Buyer_Email=c["email"])], tmp_path)
    stale = upload_dir() / "old-upload.csv"
    stale.write_text("Order Number\nX-1\n")
    os.utime(stale, (time.time() - 3 * 86400, time.time() - 3 * 86400))
    # Failed logins under other letter cases of the username and the e-mail.
    stranger = Client()
    stranger.post("/admin/login/", {"username": c["username"].upper(), "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    stranger.post("/admin/login/", {"username": c["email"].lower(), "password": "wrong"}, REMOTE_ADDR="10.1.1.2")
    # A month of the audit log old enough to be archived, holding the account's first row.
    old = Month.of(timezone.now()).plus(-15)
    create_month_partition("audit_log", old)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO system.audit_log (changed_at, table_name, record_id, operation, old_values, new_values, changed_by) "
            "SELECT %s, table_name, record_id, operation, old_values, new_values, changed_by FROM system.audit_log "
            "WHERE table_name = 'supplier_accounts' AND record_id = %s AND operation = 'INSERT'",
            [old.start + dt.timedelta(days=2), account.pk],
        )
    archive_partition("audit_log", old)
    return person, account, stale


@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_no_copy_of_the_canary_in_a_dump_or_the_media_folder(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    old = Month.of(timezone.now()).plus(-15)
    try:
        person, account, stale = plant_the_canary(tmp_path / "files", settings)
        texts = text_columns()
        before = pg_dump()
        planted = {key: dump_hits(before, value, texts) for key, value in CANARY.items()}
        assert all(planted.values()), f"not planted: {[k for k, places in planted.items() if not places]}"
        # The account, its 2 history rows, 3 copies in the audit log and 1 in its archived month.
        assert len(decrypting_copies(before)) == 7
        assert set(media_hits(settings.MEDIA_ROOT)) == {"email", "last"}  # the two pending uploads
        assert not any(upload_dir().rglob("*stockx.csv"))  # the confirmed run's upload went when it ended

        report = user_anonymize(user=person, acting_user=None)

        after = pg_dump()
        leftovers = {key: sorted(dump_hits(after, value, texts)) for key, value in CANARY.items()}
        assert leftovers == {key: [] for key in CANARY}
        assert decrypting_copies(after) == []
        assert media_hits(settings.MEDIA_ROOT) == {} and not stale.exists()
        assert report.values_scrubbed >= len(CANARY)
    finally:  # what a flush leaves: the archived month, and the worker's jobs (not a model of the project)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS archive.audit_log_{old.suffix}")
            cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = 'pricing.tasks.run_import'")
    person.refresh_from_db()
    assert person.email == f"deleted_{person.pk}@anonymized.local" and person.username == f"deleted_{person.pk}"
    assert not person.is_active and not person.has_usable_password() and person.anonymized_at
    account.refresh_from_db()
    assert account.email == f"deleted_{account.pk}@anonymized.local" and account.bank_details_encrypted == ""
    assert set(SupplierAccount.history.filter(id=account.pk).values_list("bank_details_encrypted", flat=True)) == {""}
    audit = AuditLog.objects.filter(table_name="supplier_accounts", record_id=account.pk)
    assert audit.count() >= 3 and {
        values.get("bank_details_encrypted") for row in audit for values in (row.old_values, row.new_values) if values
    } == {None}
    assert {(key.name, key.revoked_at is not None) for key in ApiKey.objects.filter(user=person)} == {
        ("[erased]", True)
    }
    assert ImportRun.objects.filter(file_name__startswith="[erased]-stockx").count() == 2


def test_short_values_are_replaced_only_as_whole_values():
    values = Values({"Bo": "[erased]", "7319": "[erased]", "Zwitscherling": "[erased]", "zz@example.org": "deleted_1"})
    assert [is_short(v) for v in ("Bo", "7319", "4915550199", "Zwitscherling")] == [True, True, False, False]
    assert values.text(" bo ") == "[erased]" and values.text("Bob Boston") == "Bob Boston"
    assert values.text("order 173190") == "order 173190" and values.text("7319") == "[erased]"
    assert values.text("ZWITSCHERLING-sales.csv") == "[erased]-sales.csv" == values.text("zwitscherling-sales.csv")
    assert values.text("bo_Zwitscherling2.csv") == "bo_[erased]2.csv"
    assert values.text("Zwitscherlings Hof") == "Zwitscherlings Hof"  # a longer word is someone else's
    assert values.text("mail ZZ@Example.ORG now") == "mail deleted_1 now"
    assert values.json({"first_name": "BO", "note": "Bo called", "n": 7319, "list": ["bo"]}) == {
        "first_name": "[erased]",
        "note": "Bo called",
        "n": 7319,
        "list": ["[erased]"],
    }
    assert values.in_line('1,"Bo",x\n') and not values.in_line("Bob,Boston\n")


@pytest.mark.django_db
def test_the_database_filter_finds_what_python_replaces(sql):
    values = Values({"Bo": "[erased]", "Zw(i)tscher.ling": "[erased]"})
    cases = {"bo": True, " BO ": True, "Bob": False, "a zw(i)tscher.ling b": True, "zwXiXtscherXling": False}
    for text, expected in cases.items():
        [(found,)] = sql("SELECT %s ~* %s", [text, values.sql_pattern(as_json=False)])
        assert found is expected, text
    [(found,)] = sql("SELECT %s::jsonb::text ~* %s", ['{"a": ["Bo"]}', values.sql_pattern(as_json=True)])
    assert found is True


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


def test_anonymize_command_is_a_dry_run_unless_committed(
    capsys, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    person = make_user(email="dry@example.org")
    upload = upload_dir() / "token" / "dry-list.csv"  # an upload that holds the person
    upload.parent.mkdir(parents=True)
    upload.write_text("email\nDRY@example.org\n")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("anonymize_user", "dry@example.org")
    out = capsys.readouterr().out
    assert "Dry run" in out and "MEDIA_ROOT/imports (files) 1" in out
    person.refresh_from_db()
    assert person.email == "dry@example.org" and upload.exists() and callbacks == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("anonymize_user", "dry@example.org", "--commit")
    person.refresh_from_db()
    assert person.anonymized_at is not None and len(callbacks) == 1 and not upload.parent.exists()


def test_a_supplier_account_is_erased_alone():
    owner = make_user(first_name="Ida", last_name="Ostermann")
    with acting_user(None):
        account = make_supplier_account(
            user=owner,
            email="ida.buyer@example.org",
            phone="+44 20 7946 0001",
            bank_details_encrypted="GB33BUKB20201555555555",
        )
        account.phone = "+44 20 7946 0002"
        account.save()
    make_system_log(
        message="ida.buyer@example.org asked for +44 20 7946 0001", context={"iban": "GB33 BUKB 2020 1555 5555 55"}
    )
    with acting_user(None):
        report = supplier_account_anonymize(account=account, acting_user=None)
    assert "system.logs.message" in report.rows_changed
    log = SystemLog.objects.get()
    assert log.message == f"deleted_{account.pk}@anonymized.local asked for [erased]" and log.context == {
        "iban": "[erased]"
    }
    account.refresh_from_db()
    assert (account.email, account.phone, account.bank_details_encrypted, account.is_active) == (
        f"deleted_{account.pk}@anonymized.local",
        "",
        "",
        False,
    )
    rows = AuditLog.objects.filter(table_name="supplier_accounts", record_id=account.pk)
    copies = [values for row in rows for values in (row.old_values, row.new_values) if values]
    assert len(copies) >= 4 and all(v["bank_details_encrypted"] is None and v["phone"] == "" for v in copies)
    owner.refresh_from_db()
    assert owner.last_name == "Ostermann" and owner.anonymized_at is None  # the user is not erased


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
