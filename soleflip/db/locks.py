"""Liveness locks: a session advisory lock that says "a process is still working on this".

A long job (an import run) takes a lock named after itself when it starts and releases it
when it ends. If its process dies (kill -9, a crash, the server killed by the OOM killer,
PostgreSQL restarting), its connection closes and PostgreSQL releases the lock: a job
whose row still says "running" but whose lock nobody holds was abandoned. ``is_held``
reads ``pg_locks``, so checking has no side effect and a lock held by the checking
connection itself counts as held.
"""

from __future__ import annotations

from django.db import connection

#: The 64-bit key of a lock name, as PostgreSQL computes it.
KEY_SQL = "hashtextextended(%s, 0)"
#: True when some session holds the lock whose key is the bigint expression ``{key}``.
#: pg_locks shows an advisory bigint key split into classid (high half) and objid (low half).
HELD_SQL = (
    "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND ((l.classid::bigint << 32) | l.objid::bigint) = {key})"
)


#: The liveness lock of an import run is this prefix and the run's id.
IMPORT_RUN = "soleflip.import_run:"


def import_run_held_sql(id_column: str) -> str:
    """A SQL condition: the liveness lock of the import run whose id is ``id_column`` is held."""
    return HELD_SQL.format(key=KEY_SQL.replace("%s", f"'{IMPORT_RUN}' || {id_column}"))


def hold(name: str) -> None:
    """Take the liveness lock ``name`` for this connection's session (it survives commits)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_lock({KEY_SQL})", [name])


def release(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_unlock({KEY_SQL})", [name])


def is_held(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + HELD_SQL.format(key=KEY_SQL), [name])
        row = cursor.fetchone()
    return bool(row and row[0])
