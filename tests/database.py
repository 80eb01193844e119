"""How a test reaches the database it runs on from outside Django: another connection, or a child process."""

from __future__ import annotations

from urllib.parse import quote

import psycopg
from django.db import connection


def conninfo(database: str | None = None) -> str:
    """A libpq connection string for ``database`` (default: the test database) on the test server."""
    s = connection.settings_dict
    port = s.get("PORT") or s.get("OPTIONS", {}).get("port") or ""
    return psycopg.conninfo.make_conninfo(
        dbname=database or s["NAME"],
        host=s.get("HOST") or "",
        port=str(port),
        user=s.get("USER") or "",
        password=s.get("PASSWORD") or "",
    )


def database_url(database: str | None = None) -> str:
    """A ``DATABASE_URL`` for a child process (``manage.py`` under test) reaching the same database."""
    s = connection.settings_dict
    name = database or s["NAME"]
    auth = quote(s.get("USER") or "") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    host = s.get("HOST") or ""
    port = s.get("PORT") or s.get("OPTIONS", {}).get("port") or ""
    if host.startswith("/"):
        return f"postgresql://{auth}@/{name}?host={quote(host)}" + (f"&port={port}" if port else "")
    return f"postgresql://{auth}@{host or 'localhost'}:{port or 5432}/{name}"
