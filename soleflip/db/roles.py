"""PostgreSQL roles of least privilege (review 7.2): owner, runtime and read-only.

- ``<prefix>_owner`` owns the schemas and tables; migrations run as it.
- ``<prefix>_app`` is what the web app and workers connect as: read and write on the app
  schemas, no DDL, NOBYPASSRLS, so row-level security applies to it.
- ``<prefix>_readonly``: SELECT on the analytics and catalog schemas only (reporting tools).
- ``<prefix>_analytics`` (no login) owns the materialized views, because only an owner may
  refresh one; the app is a member of it for that, and of nothing that allows DDL elsewhere.

Default privileges make tables the owner creates later reachable the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from soleflip.db.schemas import ALL_SCHEMAS

READONLY_SCHEMAS = ("analytics", "core", "products")


@dataclass(frozen=True)
class RoleNames:
    owner: str
    app: str
    readonly: str
    analytics: str

    @classmethod
    def with_prefix(cls, prefix: str) -> RoleNames:
        if not prefix.replace("_", "").isalnum():
            raise ValueError(f"role prefix {prefix!r} must be letters, digits and underscores")
        return cls(f"{prefix}_owner", f"{prefix}_app", f"{prefix}_readonly", f"{prefix}_analytics")


def roles_exist(names: RoleNames) -> bool:
    """Whether the runtime role of ``names`` exists on the server (``create_db_roles`` ran)."""
    return _exists(names.app)


def _exists(role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def roles_sql(
    names: RoleNames, *, passwords: dict[str, str] | None = None, reassign: bool = True, database: str | None = None
) -> list[str]:
    """The statements that make (or bring up to date) the three roles and their grants.

    They run in ``database`` (default: the configured one); roles are the server's, grants
    and ownership each database's.
    """
    passwords = passwords or {}
    database = database or connection.settings_dict["NAME"]
    schemas = ", ".join(f'"{s}"' for s in ALL_SCHEMAS)
    statements = []
    for role, attrs in (
        (names.owner, "LOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS"),
        (names.app, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"),
        (names.readonly, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"),
        (names.analytics, "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"),
    ):
        verb = "ALTER" if _exists(role) else "CREATE"
        password = passwords.get(role)
        with_password = f" PASSWORD {_literal(password)}" if password else ""
        statements.append(f'{verb} ROLE "{role}" WITH {attrs}{with_password}')
    statements += [
        f'GRANT CONNECT ON DATABASE "{database}" TO "{names.app}", "{names.readonly}"',
        f"REVOKE ALL ON SCHEMA {schemas} FROM PUBLIC",
    ]
    if reassign:
        statements += [f'ALTER SCHEMA "{s}" OWNER TO "{names.owner}"' for s in ALL_SCHEMAS]
        statements.append(_reassign_tables_sql(names.owner, names.analytics))
    statements += [
        f'GRANT USAGE ON SCHEMA {schemas}, public TO "{names.app}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schemas}, public TO "{names.app}"',
        f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schemas}, public TO "{names.app}"',
        f'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO "{names.app}"',
        # The views' owner reads what they aggregate; the app refreshes them as a member.
        f'GRANT USAGE ON SCHEMA {schemas} TO "{names.analytics}"',
        f'GRANT SELECT ON ALL TABLES IN SCHEMA {schemas} TO "{names.analytics}"',
        f'GRANT "{names.analytics}" TO "{names.app}"',
    ]
    for schema in ALL_SCHEMAS:
        statements.append(
            f'ALTER DEFAULT PRIVILEGES FOR ROLE "{names.owner}" IN SCHEMA "{schema}" '
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{names.app}"'
        )
    readonly_schemas = ", ".join(f'"{s}"' for s in READONLY_SCHEMAS)
    statements += [
        f'GRANT USAGE ON SCHEMA {readonly_schemas} TO "{names.readonly}"',
        f'GRANT SELECT ON ALL TABLES IN SCHEMA {readonly_schemas} TO "{names.readonly}"',
    ]
    for schema in READONLY_SCHEMAS:
        statements.append(
            f'ALTER DEFAULT PRIVILEGES FOR ROLE "{names.owner}" IN SCHEMA "{schema}" '
            f'GRANT SELECT ON TABLES TO "{names.readonly}"'
        )
    return statements


def _reassign_tables_sql(owner: str, analytics: str) -> str:
    # One DO block: every table, view and materialized view of the app schemas (their identity
    # sequences follow their tables).
    schemas = ", ".join(f"'{s}'" for s in ALL_SCHEMAS)
    return f"""DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname IN ({schemas}) AND c.relkind IN ('r', 'p', 'v', 'm')
             AND NOT c.relispartition
  LOOP
    EXECUTE format('ALTER %s %I.%I OWNER TO %I',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
      r.nspname, r.relname, CASE r.relkind WHEN 'm' THEN '{analytics}' ELSE '{owner}' END);
  END LOOP;
END $$"""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def apply(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
