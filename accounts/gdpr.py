"""GDPR: erasure (anonymization that reaches every copy), subject access export, retention.

Where personal data can live, and what erasure does in each place, is declared in
``accounts.personal_data`` (docs/gdpr.md shows it). Erasure walks that registry in one
transaction: the person's own rows (their user, their supplier accounts) are erased field
by field, and so are their history rows and the audit rows about them, encrypted copies
included; every place that may quote anyone is searched for every value the person's
fields ever had; records about them (failed logins, sessions) are deleted; uploaded files
that hold them are deleted when the transaction commits. What is recorded is that an
erasure happened, not what was erased.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gzip
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import ApiKey, AuditLog, User
from accounts.personal_data import (
    ERASED,
    FILES,
    OWN_ROW,
    Personal,
    Treatment,
    all_models,
    personal_fields,
)
from catalog.models import SupplierAccount
from pricing.models import PriceHistory
from soleflip.db.acting_user import act_as
from soleflip.db.audit import audited_models
from soleflip.db.crypto import EncryptedTextField, decrypt
from soleflip.db.partitions import Month
from soleflip.db.schemas import PARTITIONED_TABLES, TABLE_SCHEMAS

ANONYMIZED_DOMAIN = "anonymized.local"
ERASURE_REASON = "GDPR erasure"
USER_FIELDS = ("email", "username", "first_name", "last_name")


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


# --- the person's values ----------------------------------------------------------------

#: Values shorter than this are short (see ``is_short``) ...
SHORT_LENGTH = 4
#: ... and so are numbers of fewer digits than this.
SHORT_NUMBER_DIGITS = 7


def is_short(value: str) -> bool:
    """Whether a value is replaced only where it is a whole value.

    A short value ("Bo", "Li", a card's last four digits, a postal code) also occurs inside
    unrelated words and numbers ("Bob", "Boston", an order number 173190): replacing it
    wherever it occurs would rewrite other people's text and figures. So a short value is
    replaced only where it is a whole field value or a whole JSON string value (a name field
    holding "Bo", ``{"first_name": "bo"}``, a CSV cell), in any letter case, never inside
    longer text. A longer value (an e-mail, a surname, a phone number, a token, an IBAN) is
    distinctive: it is replaced wherever it occurs, in any letter case, also in a file name
    ("zwitscherling-stockx.csv", "bo_zwitscherling.csv"); only a value that begins or ends
    with a letter must not continue a longer word there (a surname "Schuh" leaves the
    supplier "Schuhhaus" alone).
    """
    return len(value) < SHORT_LENGTH or (value.isdigit() and len(value) < SHORT_NUMBER_DIGITS)


_CELLS = re.compile(r"[,;|\t]")
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b")
_PHONE = re.compile(r"[+0-9 ()./-]+")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_LABEL = re.compile(r"^\s*[A-Za-z ]{2,20}:\s*")
_PLACEHOLDER = re.compile(r"^deleted_[0-9a-f-]+(@anonymized\.local)?$")


_LETTER = "[^\\W\\d_]"


def _word(value: str) -> str:
    """A Python pattern for a long value: where it begins or ends with a letter, no letter may adjoin it."""
    before = f"(?<!{_LETTER})" if value[0].isalpha() else ""
    after = f"(?!{_LETTER})" if value[-1].isalpha() else ""
    return f"{before}{re.escape(value)}{after}"


def _regex_literal(text: str) -> str:
    """``text`` as a PostgreSQL regular expression that matches it literally."""
    return re.sub(r"[^0-9A-Za-z\s\u0080-\U0010ffff]", lambda m: "\\" + m.group(0), text)


def _json_escaped(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


class Values:
    """Every value of a person, each with its replacement: found and replaced in text, JSON and files."""

    def __init__(self, replacements: dict[str, str]) -> None:
        self.replacements: dict[str, str] = {}
        for value, replacement in replacements.items():
            self.replacements.setdefault(value.strip().lower(), replacement)
        self.replacements.pop("", None)
        self.long = sorted((v for v in self.replacements if not is_short(v)), key=len, reverse=True)
        self.short = frozenset(v for v in self.replacements if is_short(v))
        self._inside = re.compile("|".join(map(_word, self.long)), re.IGNORECASE) if self.long else None

    def __len__(self) -> int:
        return len(self.replacements)

    def text(self, value: str) -> str:
        """``value`` with the person's values replaced (short ones only as the whole value)."""
        whole = self.replacements.get(value.strip().lower())
        if whole is not None:
            return whole
        if self._inside is None:
            return value
        return self._inside.sub(lambda m: self.replacements.get(m.group(0).lower(), ERASED), value)

    def json(self, data: Any) -> Any:
        """JSON data with the person's values replaced in every string (keys too)."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list):
            return [self.json(item) for item in data]
        if isinstance(data, dict):
            return {self.text(key): self.json(item) for key, item in data.items()}
        return data

    def holds(self, data: Any) -> bool:
        return self.json(data) != data

    def in_line(self, line: str) -> bool:
        """Whether a line of a file holds a value: a long one anywhere, a short one as a whole cell."""
        if self._inside is not None and self._inside.search(line):
            return True
        return any(cell.strip().strip("\"'").strip().lower() in self.short for cell in _CELLS.split(line))

    def sql_pattern(self, *, as_json: bool) -> str:
        """A PostgreSQL regular expression (for ``~*``) matching every value that holds one of these.

        It may match more (it is a filter); ``text`` and ``json`` decide. A JSON column is
        matched as its text, where strings are quoted and escaped.
        """
        parts = [_regex_literal(v) for v in self.long]
        if as_json:
            parts += [_regex_literal(_json_escaped(v)) for v in self.long if _json_escaped(v) != v]
            if self.short:
                shorts = "|".join(_regex_literal(_json_escaped(v)) for v in sorted(self.short))
                parts.append(f'"\\s*({shorts})\\s*"')
        elif self.short:
            parts.append(f"^\\s*({'|'.join(_regex_literal(v) for v in sorted(self.short))})\\s*$")
        return "|".join(parts)


def _variants(value: str, personal: Personal) -> Iterator[str]:
    """A value as it may be written elsewhere."""
    value = value.strip()
    if not any(c.isalnum() for c in value) or value == ERASED or _PLACEHOLDER.match(value):
        return  # "-", "": nothing of anyone's
    yield value
    if personal.treatment is Treatment.DESTROY:
        # Bank details: each line (without a "IBAN:" label) long enough to be distinctive; not
        # the bank's code (BIC), which is no one's own.
        for line in re.split(r"[\n,;]", value):
            line = _LABEL.sub("", line).strip()
            if len(line) >= 8 and not _BIC.fullmatch(line):
                yield line
    for iban in _IBAN.findall(value.upper()):
        compact = iban.replace(" ", "")
        yield compact
        yield " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    if _PHONE.fullmatch(value) and sum(c.isdigit() for c in value) >= SHORT_NUMBER_DIGITS:
        yield re.sub(r"[ ()./-]", "", value)


def _replacement(personal: Personal, pk: Any) -> str:
    return personal.erased_as.format(pk=pk) if personal.treatment is Treatment.REPLACE else ERASED


def _versions(obj: models.Model) -> list[dict[str, Any]]:
    """The person's row as it is, as history kept it, and as the audit log saw it: column -> value."""
    model = type(obj)
    columns = {f.column: f for f in model._meta.concrete_fields}
    rows = [obj, *model.history.model.objects.filter(id=obj.pk)]  # type: ignore[attr-defined]
    versions = [{column: getattr(row, f.attname, None) for column, f in columns.items()} for row in rows]
    for table in _tables(AuditLog):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT old_values, new_values FROM {table} WHERE table_name = %s AND record_id = %s",
                [model._meta.db_table, obj.pk],
            )
            for pair in cursor.fetchall():
                for data in pair:
                    if isinstance(data, str):
                        data = json.loads(data)
                    if isinstance(data, dict):
                        versions.append(_decrypted(data, columns))
    return versions


def _decrypted(data: dict[str, Any], columns: dict[str, models.Field]) -> dict[str, Any]:
    out = dict(data)
    for column, value in data.items():
        if isinstance(columns.get(column), EncryptedTextField) and isinstance(value, str) and value:
            try:
                out[column] = decrypt(value)
            except ImproperlyConfigured:  # under a key no longer held: it says nothing any more
                out[column] = None
    return out


def person_values(subjects: list[models.Model]) -> Values:
    """Every value the subjects' searched fields ever had (now, in history, in the audit log), in every spelling."""
    replacements: dict[str, str] = {}
    for obj in subjects:
        versions = _versions(obj)
        for f, personal in personal_fields(type(obj)):
            if not personal.searched:
                continue
            for version in versions:
                value = version.get(f.column)
                if isinstance(value, str):
                    for variant in _variants(value, personal):
                        replacements.setdefault(variant, _replacement(personal, obj.pk))
        for version in versions:  # names as written together
            first, last = (str(version.get(name) or "").strip() for name in ("first_name", "last_name"))
            if first and last:
                for full in (f"{first} {last}", f"{last}, {first}", f"{last} {first}"):
                    replacements.setdefault(full, ERASED)
    return Values(replacements)


# --- the places -------------------------------------------------------------------------


def _quoted(table: str) -> str:
    return connection.ops.quote_name(table)


def _tables(model: type[models.Model]) -> list[str]:
    """A model's table and, for a partitioned one, its months archived into the ``archive`` schema."""
    table = model._meta.db_table
    tables = [_quoted(table)]
    if table in PARTITIONED_TABLES:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'archive' AND c.relkind = 'r' AND c.relname ~ %s ORDER BY 1",
                [f"^{table}_[0-9]{{4}}_[0-9]{{2}}$"],
            )
            tables += [f"archive.{_quoted(name)}" for (name,) in cursor.fetchall()]
    return tables


def _place(table: str, column: str = "") -> str:
    """A table (quoted or not) and column as the report names them: schema.table.column."""
    name = table.replace('"', "")
    if "." not in name:
        name = f"{TABLE_SCHEMAS.get(name, 'public')}.{name}"
    return f"{name}.{column}" if column else name


def _keys(model: type[models.Model]) -> list[str]:
    """The columns that find one row (a partitioned table's key includes its partition column)."""
    keys = [model._meta.pk.column]
    if model._meta.db_table in PARTITIONED_TABLES:
        keys.append(PARTITIONED_TABLES[model._meta.db_table])
    return [_quoted(key) for key in keys]


def _erased(f: models.Field, personal: Personal, pk: Any) -> Any:
    """What an own-row field holds after erasure."""
    if personal.treatment is Treatment.REPLACE:
        return personal.erased_as.format(pk=pk)
    return None if f.null else ""


def _erase_own_row(obj: models.Model, report: ErasureReport) -> None:
    """The person's row and all its history rows: each personal field replaced, cleared or destroyed."""
    model = type(obj)
    for f, personal in personal_fields(model):
        if personal.treatment in OWN_ROW:
            setattr(obj, f.attname, _erased(f, personal, obj.pk))
    obj._change_reason = ERASURE_REASON  # type: ignore[attr-defined]
    obj.save()
    history = model.history.model  # type: ignore[attr-defined]
    erased = {f.attname: _erased(f, p, obj.pk) for f, p in personal_fields(history) if p.treatment in OWN_ROW}
    report.add(_place(history._meta.db_table), history.objects.filter(id=obj.pk).update(**erased))


def _erase_owned(users: list[User], report: ErasureReport) -> None:
    """On rows a person owns (their API keys), a field that may name them is erased outright."""
    for model in all_models():
        for f, personal in personal_fields(model):
            if personal.owner and users:
                rows = model._base_manager.filter(**{f"{personal.owner}__in": users}).exclude(**{f.attname: ERASED})
                report.add(_place(model._meta.db_table, f.column), rows.update(**{f.attname: ERASED}))


def _scrub_column(table: str, model: type[models.Model], f: models.Field, values: Values) -> int:
    """Replace the person's values in one text or JSON column of every row; return the rows changed."""
    as_json = isinstance(f, models.JSONField)
    column = _quoted(f.column)
    text = f"{column}::text" if as_json else column
    keys = _keys(model)
    limit = getattr(f, "max_length", None)
    changed = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(keys)}, {text} FROM {table} WHERE {text} ~* %s", [values.sql_pattern(as_json=as_json)]
        )
        for *key, raw in cursor.fetchall():
            if as_json:
                data = json.loads(raw)
                new = values.json(data)
                if new != data:
                    changed.append((json.dumps(new, ensure_ascii=False), *key))
            else:
                new = values.text(raw)[:limit] if limit else values.text(raw)
                if new != raw:
                    changed.append((new, *key))
        if changed:
            where = " AND ".join(f"{key} = %s" for key in keys)
            cast = "::jsonb" if as_json else ""
            cursor.executemany(f"UPDATE {table} SET {column} = %s{cast} WHERE {where}", changed)
    return len(changed)


def _scrub(values: Values, report: ErasureReport) -> None:
    """Every SCRUB place but the audit log (last: the scrub's own updates are audited)."""
    for model in all_models():
        if model is AuditLog:
            continue
        for f, personal in personal_fields(model):
            if personal.treatment is Treatment.SCRUB:
                for table in _tables(model):
                    report.add(_place(table, f.column), _scrub_column(table, model, f, values))


def _scrub_audit_log(subjects: list[models.Model], values: Values, report: ErasureReport) -> None:
    """The audit log: the person's own rows key by key (encrypted copies destroyed), and quotes in any row.

    Each JSON key is the column it copies and is treated as that column is. The person's rows
    are found by index; quotes by one scan of the log for all values at once.
    """
    audited = {model._meta.db_table: model for model in audited_models()}
    columns = {
        table: {f.column: (f, personal) for f, personal in personal_fields(model)} for table, model in audited.items()
    }
    own = {(type(obj)._meta.db_table, str(obj.pk)) for obj in subjects}
    quoting = sorted(t for t, cs in columns.items() if any(p.treatment is Treatment.SCRUB for _, p in cs.values()))

    def rewrite(table: str, record_id: Any, data: Any) -> Any:
        if isinstance(data, str):
            data = json.loads(data)
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for key, value in data.items():
            f, personal = columns.get(table, {}).get(key, (None, None))
            if f is None or personal is None:
                continue
            if personal.treatment in OWN_ROW and (table, str(record_id)) in own:
                out[key] = None if personal.treatment is Treatment.DESTROY else _erased(f, personal, record_id)
            elif personal.treatment is Treatment.SCRUB:
                out[key] = values.json(value)
        return out

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL app.gdpr_scrub = 'on'")  # the audit log's one permitted rewrite
        for table in _tables(AuditLog):
            query = f"SELECT id, changed_at, table_name, record_id, old_values, new_values FROM {table} WHERE "
            cursor.execute(
                query + "table_name = ANY(%s) AND record_id = ANY(%s)",
                [sorted({t for t, _ in own}), [obj.pk for obj in subjects]],
            )
            rows = {(row[0], row[1]): row for row in cursor.fetchall()}
            if values and quoting:
                pattern = values.sql_pattern(as_json=True)
                cursor.execute(
                    query + "table_name = ANY(%s) AND (old_values::text ~* %s OR new_values::text ~* %s)",
                    [quoting, pattern, pattern],
                )
                rows.update({(row[0], row[1]): row for row in cursor.fetchall()})
            changed = []
            for pk, changed_at, name, record_id, old, new in rows.values():
                old_data, new_data = (json.loads(v) if isinstance(v, str) else v for v in (old, new))
                old2, new2 = rewrite(name, record_id, old_data), rewrite(name, record_id, new_data)
                if (old2, new2) != (old_data, new_data):
                    changed.append((_jsonb(old2), _jsonb(new2), pk, changed_at))
            if changed:
                cursor.executemany(
                    f"UPDATE {table} SET old_values = %s::jsonb, new_values = %s::jsonb WHERE id = %s AND changed_at = %s",
                    changed,
                )
            report.add(_place(table), len(changed))
        cursor.execute("SET LOCAL app.gdpr_scrub = 'off'")


def _jsonb(data: Any) -> str | None:
    return None if data is None else json.dumps(data, ensure_ascii=False)


def _delete_records(values: Values, report: ErasureReport) -> None:
    """Rows about a person (failed logins): deleted when any of their text names the person."""
    for model in all_models():
        fields = [
            f
            for f, personal in personal_fields(model)
            if personal.treatment is Treatment.DELETE_ROW and isinstance(f, models.CharField | models.TextField)
        ]
        if not fields or model is Session:
            continue
        pattern = values.sql_pattern(as_json=False)
        table, pk = _quoted(model._meta.db_table), _quoted(model._meta.pk.column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {', '.join(_quoted(f.column) for f in fields)} FROM {table} WHERE "
                + " OR ".join(f"{_quoted(f.column)} ~* %s" for f in fields),
                [pattern] * len(fields),
            )
            doomed = [pk_value for pk_value, *texts in cursor.fetchall() if any(t and values.holds(t) for t in texts)]
        if doomed:
            report.add(_place(model._meta.db_table), model._base_manager.filter(pk__in=doomed).delete()[0])


def _end_sessions(values: Values, users: list[User], report: ErasureReport) -> list[Path]:
    """Sessions of the person, or that quote them, are deleted (they are encoded: decoded one by one).

    Returns the uploads those sessions held between preview and confirmation.
    """
    user_ids = {str(user.pk) for user in users}
    doomed, uploads = [], []
    for session in Session.objects.iterator():
        data = session.get_decoded()
        if data.get("_auth_user_id") in user_ids or (values and values.holds(data)):
            doomed.append(session.pk)
            for place in FILES:
                uploads += import_string(place.pending)(data)
    report.add("public.django_session", Session.objects.filter(pk__in=doomed).delete()[0])
    return uploads


def _file_lines(path: Path) -> Iterator[str]:
    """A file's lines as text, through gzip and zip."""
    with path.open("rb") as raw:
        magic = raw.read(4)
    with contextlib.ExitStack() as stack:
        if magic[:2] == b"\x1f\x8b":
            streams: list[Any] = [stack.enter_context(gzip.open(path, "rb"))]
        elif magic in (b"PK\x03\x04", b"PK\x05\x06"):
            archive = stack.enter_context(zipfile.ZipFile(path))
            streams = [stack.enter_context(archive.open(info)) for info in archive.infolist() if not info.is_dir()]
        else:
            streams = [stack.enter_context(path.open("rb"))]
        for stream in streams:
            for line in stream:
                try:
                    yield line.decode("utf-8")
                except UnicodeDecodeError:
                    yield line.decode("cp1252", errors="replace")


def _file_holds(path: Path, values: Values) -> bool:
    if values.in_line(path.name):
        return True
    try:
        return any(values.in_line(line) for line in _file_lines(path))
    except (OSError, EOFError, zipfile.BadZipFile):
        return True  # unreadable, so it may hold anything: an upload is not worth that risk


def _delete_files(values: Values, pending: list[Path], report: ErasureReport) -> None:
    """Uploads past their lifetime, the person's pending ones, and any whose name or content holds a value.

    They are deleted when the erasure commits (a dry run deletes nothing).
    """
    for place in FILES:
        folder = import_string(place.folder)()
        doomed = {*import_string(place.stale)(), *pending}
        if values and folder.is_dir():
            doomed |= {path for path in folder.rglob("*") if path.is_file() and _file_holds(path, values)}
        if doomed:
            transaction.on_commit(functools.partial(import_string(place.delete), sorted(doomed)))
            report.add(f"{place.name} (files)", len(doomed))


def _erase(subjects: list[models.Model], users: list[User], report: ErasureReport) -> None:
    """Erase the subjects' rows and every copy of their values, walking the registry."""
    values = person_values(subjects)  # before anything changes
    report.values_scrubbed += len(values)
    for obj in subjects:
        _erase_own_row(obj, report)
    _erase_owned(users, report)
    if values:
        _scrub(values, report)
        _delete_records(values, report)
    _scrub_audit_log(subjects, values, report)
    pending = _end_sessions(values, users, report)
    _delete_files(values, pending, report)


def _close_account(account: SupplierAccount, acting_user: Any) -> None:
    account.is_active = False
    account.updated_by = acting_user if getattr(acting_user, "is_authenticated", False) else None


@transaction.atomic
def supplier_account_anonymize(
    *, account: SupplierAccount, acting_user: Any, report: ErasureReport | None = None
) -> ErasureReport:
    """Erase a supplier account's personal data, and its copies in history, audit, logs and files."""
    act_as(acting_user)
    report = report or ErasureReport(f"supplier account {account.pk}")
    _close_account(account, acting_user)
    _erase([account], [], report)
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
    user.is_active = user.is_staff = user.is_superuser = False
    user.anonymized_at = timezone.now()
    user.data_retention_until = None
    accounts = list(SupplierAccount.objects.filter(user=user))
    for account in accounts:
        _close_account(account, acting_user)
    _erase([user, *accounts], [user], report)
    report.add(
        "auth.api_keys (revoked)", ApiKey.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
    )
    return report


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
            ["history_date", "history_type", "history_change_reason", *USER_FIELDS, "role"],
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
