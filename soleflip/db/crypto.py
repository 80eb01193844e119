"""Field encryption with key rotation (review 7.1): MultiFernet over FIELD_ENCRYPTION_KEYS.

FIELD_ENCRYPTION_KEYS is a comma-separated list of Fernet keys, newest first. New values
are encrypted with the first key; every listed key still decrypts, so a new key can be put
in front at once and old values re-encrypted later (`manage.py rotate_encryption_key`),
after which the old key is removed. docs/security/key-rotation.md has the procedure.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction

from soleflip.db.acting_user import act_as


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: set at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes); "
            "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "An encrypted value cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS "
            "(was a key removed before `rotate_encryption_key --commit` ran?)."
        ) from None


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python code sees the plain text. Not searchable."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(str(value))


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def rotate_all(*, acting_user: Any, commit: bool, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted value under the newest key, in batches; return counts per field.

    Works on the stored tokens (MultiFernet.rotate), so plain text never leaves the database
    driver's buffers. Without ``commit`` only counts what would change.
    """
    counts: dict[str, int] = {}
    multi = fernet()
    primary = multi._fernets[0]  # the key new tokens are made with
    for model, field in encrypted_fields():
        label = f"{model._meta.label}.{field.name}"
        counts[label] = 0
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        last = None
        while True:
            with transaction.atomic():
                act_as(acting_user)
                rows = _batch(table, column, pk, last, batch_size)
                if not rows:
                    break
                updates = []
                for key, token in rows:
                    last = key
                    if not token:
                        continue
                    try:
                        primary.decrypt(token.encode())
                        continue  # already under the newest key
                    except InvalidToken:
                        updates.append((multi.rotate(token.encode()).decode(), key))
                counts[label] += len(updates)
                if commit and updates:
                    _write(table, column, pk, updates)
    return counts


def _batch(table: str, column: str, pk: str, after: Any, size: int) -> list[tuple[Any, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        where = f'WHERE "{pk}" > %s' if after is not None else ""
        params = [after] if after is not None else []
        cursor.execute(
            f'SELECT "{pk}", "{column}" FROM "{table}" {where} ORDER BY "{pk}" LIMIT %s FOR UPDATE',
            [*params, size],
        )
        return list(cursor.fetchall())


def _write(table: str, column: str, pk: str, updates: list[tuple[str, Any]]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany(f'UPDATE "{table}" SET "{column}" = %s WHERE "{pk}" = %s', updates)
