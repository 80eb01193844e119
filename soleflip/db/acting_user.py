"""Who acts: the ``app.user_id`` setting the audit triggers and row-level security policies read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction


def set_acting_user(user_id: Any, *, local: bool = True) -> None:
    """Tell the database who acts (``app.user_id``), for audit triggers and RLS policies.

    ``local=True`` lasts until the current transaction ends (``SET LOCAL``); the request
    middleware uses ``local=False`` and resets it when the request is done.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.user_id', %s, %s)",
            ["" if user_id is None else str(user_id), local],
        )


def act_as(user: Any) -> None:
    """Record ``user`` (None: the system) as the acting user until the current transaction ends.

    Every business service calls this first, inside its own transaction, so the audit log
    and row-level security see who acted whichever entry point called it. Raises outside a
    transaction: ``SET LOCAL`` there would silently last for one statement only.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("act_as() must run inside a transaction (transaction.atomic)")
    user_id = getattr(user, "pk", None) if user is not None and getattr(user, "is_authenticated", False) else None
    set_acting_user(user_id, local=True)


def current_acting_user() -> str | None:
    """Return ``app.user_id`` as the database sees it (None when unset or reset)."""
    with connection.cursor() as cursor:
        # NULLIF: after a reset PostgreSQL reports '' rather than NULL (docs/stack-facts.md, trap 8).
        cursor.execute("SELECT NULLIF(current_setting('app.user_id', true), '')")
        row = cursor.fetchone()
    return row[0] if row else None


@contextmanager
def acting_user(user_id: Any) -> Iterator[None]:
    """Run the block in one transaction in which the database knows the acting user."""
    with transaction.atomic():
        set_acting_user(user_id, local=True)
        yield
