"""The database review as a live scorecard: each recommendation checked against the database.

Every item names the review's section and is ``done`` (checked now, in the live database
or the code), ``declined`` (with the ADR that says why) or ``missing``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from soleflip.db.schemas import ALL_SCHEMAS, PARTITIONED_TABLES, TABLE_SCHEMAS, VIEW_SCHEMAS

DONE, DECLINED, MISSING = "done", "declined", "missing"
ROOT = Path(settings.BASE_DIR)


@dataclass(frozen=True)
class Item:
    section: str
    title: str
    check: Callable[[], tuple[str, str]]  # (status, detail)


def _one(sql: str, params: list[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        row = cursor.fetchone()
    return row[0] if row else None


def _table_in(table: str, schema: str) -> bool:
    return bool(_one("SELECT to_regclass(%s) IS NOT NULL", [f"{schema}.{table}"]))


def _names_exist(kind: str, names: list[str]) -> list[str]:
    if kind == "constraint":
        sql = "SELECT conname FROM pg_constraint WHERE conname = ANY(%s)"
    else:
        sql = "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, [names])
        found = {r[0] for r in cursor.fetchall()}
    return [n for n in names if n not in found]


def _result(missing: list[str], done: str) -> tuple[str, str]:
    return (MISSING, "not found: " + ", ".join(missing)) if missing else (DONE, done)


def _adr(number: str, why: str) -> tuple[str, str]:
    files = list((ROOT / "docs" / "adr").glob(f"{number}-*.md"))
    return (DECLINED, f"docs/adr/{files[0].name}: {why}") if files else (MISSING, f"ADR {number} is missing")


def _doc(path: str) -> bool:
    return (ROOT / path).exists()


def check_schemas() -> tuple[str, str]:
    missing = [s for s in ALL_SCHEMAS if not _one("SELECT 1 FROM pg_namespace WHERE nspname = %s", [s])]
    misplaced = [t for t, s in TABLE_SCHEMAS.items() if not _table_in(t, s)]
    return _result(missing + misplaced, f"{len(ALL_SCHEMAS)} schemas; {len(TABLE_SCHEMAS)} tables each in its schema")


def check_public_clean() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)",
            [[*TABLE_SCHEMAS, "sizes", "system_config", "system_logs"]],
        )
        strays = [r[0] for r in cursor.fetchall()]
    return _result(strays, "sizes in products, config and logs in system; no project table in public")


def check_reference_tables() -> tuple[str, str]:
    return _result(
        [t for t in ("colors", "materials", "tags") if not _table_in(t, "core")], "core.colors, materials, tags"
    )


def check_no_legacy() -> tuple[str, str]:
    legacy = [
        ("integration", "market_prices"),
        ("pricing", "market_prices"),
        ("pricing", "price_history"),
        ("transactions", "transactions"),
        ("platforms", "stockx_listings"),
    ]
    present = [f"{s}.{t}" for s, t in legacy if _table_in(t, s)]
    old_schemas = [s for s in ("sales", "selling") if _one("SELECT 1 FROM pg_namespace WHERE nspname = %s", [s])]
    return (
        (MISSING, "legacy present: " + ", ".join(present + old_schemas))
        if present or old_schemas
        else (
            DONE,
            "no market_prices, pricing.price_history, transactions.transactions, sales or selling schemas",
        )
    )


def check_price_sources() -> tuple[str, str]:
    missing = _names_exist(
        "constraint",
        ["chk_price_sources_price_positive", "chk_price_sources_stock_positive", "chk_price_sources_currency_format"],
    ) + _names_exist("index", ["uq_price_sources_source_key", "idx_price_sources_retail_active"])
    triggers = _one(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'integration.price_sources'::regclass "
        "AND tgname LIKE 'pgtrigger_price_history_%%'"
    )
    if triggers != 2:
        missing.append("price history triggers")
    return _result(missing, "CHECKs, one NULLS NOT DISTINCT key (ADR 0007), retail index, history triggers")


def check_orders_inventory_fk() -> tuple[str, str]:
    found = _one(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'transactions.orders'::regclass AND contype = 'f' "
        "AND confrelid = 'products.inventory'::regclass"
    )
    return (DONE, "orders.inventory_id references products.inventory") if found else (MISSING, "no FK")


def check_generic_platforms() -> tuple[str, str]:
    ok = _table_in("listings", "platforms") and _table_in("platforms", "platforms")
    return (DONE, "platforms.platforms and platforms.listings with platform_id") if ok else (MISSING, "")


def check_review_checks() -> tuple[str, str]:
    names = [
        "chk_inventory_quantity_positive",
        "chk_inventory_purchase_price_positive",
        "chk_products_retail_price_positive",
        "chk_orders_sale_price_positive",
        "chk_orders_net_proceeds_logical",
    ]
    return _result(_names_exist("constraint", names), "the five CHECKs under their names")


def check_review_indexes() -> tuple[str, str]:
    names = [
        "idx_products_ean",
        "idx_products_style_code",
        "idx_inventory_product_size_status",
        "idx_orders_platform_sold_at",
        "idx_awin_ean_in_stock",
    ]
    return _result(_names_exist("index", names), "the five indexes under their names (EAN on variants, ADR 0004)")


def check_cents() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema || '.' || table_name || '.' || column_name FROM information_schema.columns "
            "WHERE table_schema = ANY(%s) AND data_type = 'numeric' "
            "AND (column_name LIKE '%%price%%' OR column_name LIKE '%%amount%%' OR column_name LIKE '%%fee%%' "
            "OR column_name LIKE '%%cost%%' OR column_name LIKE '%%proceeds%%')",
            [list(ALL_SCHEMAS)],
        )
        decimals = [r[0] for r in cursor.fetchall()]
    return _result(decimals, "every amount is integer cents with a currency (ADR 0003)")


def check_views() -> tuple[str, str]:
    missing = []
    for view, schema in VIEW_SCHEMAS.items():
        unique = _one(
            "SELECT count(*) FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.schemaname = %s AND i.tablename = %s AND x.indisunique",
            [schema, view],
        )
        if not unique:
            missing.append(f"{schema}.{view} (no unique index)")
    from procrastinate.contrib.django import app

    crons = {p.task.name: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    if crons.get("pricing.tasks.refresh_analytics") != "*/5 * * * *":
        missing.append("5-minute refresh job")
    return _result(missing, f"{len(VIEW_SCHEMAS)} materialized views, each refreshable CONCURRENTLY every 5 minutes")


def check_partitions() -> tuple[str, str]:
    missing = []
    for table, _column in PARTITIONED_TABLES.items():
        schema = TABLE_SCHEMAS[table]
        kind = _one(
            "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s",
            [schema, table],
        )
        if kind != "p":
            missing.append(f"{schema}.{table} not partitioned")
        elif not _table_in(f"{table}_default", schema):
            missing.append(f"{schema}.{table} has no DEFAULT partition")
    return _result(missing, "price_history, logs and audit_log by month, with DEFAULT partitions and months ahead")


def check_archive() -> tuple[str, str]:
    from procrastinate.contrib.django import app

    crons = {p.task.name for p in app.periodic_registry.periodic_tasks.values()}
    exists = _one("SELECT 1 FROM pg_namespace WHERE nspname = 'archive'")
    if not exists or "accounts.tasks.partition_upkeep" not in crons:
        return MISSING, "archive schema or the nightly upkeep job"
    return DONE, "old months detached into archive by manage_partitions and the nightly job"


def check_audit() -> tuple[str, str]:
    critical = [
        "products",
        "variants",
        "inventory",
        "listings",
        "orders",
        "suppliers",
        "supplier_accounts",
        "users",
        "fee_schedules",
        "price_sources",
    ]
    missing = []
    for table in critical:
        schema = TABLE_SCHEMAS[table]
        count = _one(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname LIKE 'pgtrigger_audit_%%'",
            [f"{schema}.{table}"],
        )
        # price_sources' inserts are recorded by price_history: update and delete triggers only.
        if count != (2 if table == "price_sources" else 3):
            missing.append(f"{schema}.{table} audit triggers")
        if table not in ("users",):
            has = _one(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
                "AND column_name IN ('created_by_id', 'updated_by_id')",
                [schema, table],
            )
            if has != 2:
                missing.append(f"{schema}.{table} created_by/updated_by")
    return _result(missing, "audit_log triggers and created_by/updated_by on the critical tables")


def check_gdpr() -> tuple[str, str]:
    columns = _one(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'users' "
        "AND column_name IN ('data_retention_until', 'anonymized_at', 'deletion_requested_at')"
    )
    missing = [] if columns == 3 else ["GDPR columns on auth.users"]
    missing += [] if _doc("docs/gdpr.md") else ["docs/gdpr.md"]
    try:
        from accounts.gdpr import retention_apply, user_anonymize  # noqa: F401
    except ImportError:
        missing.append("anonymization")
    return _result(missing, "GDPR columns, anonymization reaching every copy, retention, docs/gdpr.md")


def check_pci() -> tuple[str, str]:
    cols = _one(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'core' "
        "AND table_name = 'supplier_accounts' AND column_name IN ('payment_method_token', 'payment_method_last4')"
    )
    card_cols = _one(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_schema = ANY(%s) AND column_name ~ '(cc_|card_number|cvv)'",
        [list(ALL_SCHEMAS)],
    )
    return (
        (DONE, "token and last four only; card numbers refused on save")
        if cols == 2 and not card_cols
        else (
            MISSING,
            "payment columns",
        )
    )


def check_encryption() -> tuple[str, str]:
    from soleflip.db.crypto import encrypted_fields

    fields = list(encrypted_fields())
    ok = fields and _doc("docs/security/key-rotation.md")
    return (DONE, f"{len(fields)} encrypted fields, MultiFernet rotation, documented") if ok else (MISSING, "")


def check_rls() -> tuple[str, str]:
    missing = []
    for schema, table in (("products", "inventory"), ("transactions", "orders")):
        row = _one(
            "SELECT c.relrowsecurity AND c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
            [schema, table],
        )
        if not row:
            missing.append(f"{schema}.{table}")
    return _result(missing, "row-level security (forced) on inventory and orders")


def check_db_roles() -> tuple[str, str]:
    return (DONE, "manage.py create_db_roles") if _command_exists("create_db_roles") else (MISSING, "create_db_roles")


def check_monitoring() -> tuple[str, str]:
    return (DONE, "manage.py db_health") if _command_exists("db_health") else (MISSING, "db_health command")


def check_migrations() -> tuple[str, str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return (
        (MISSING, f"{len(plan)} unapplied migration(s)")
        if plan
        else (DONE, "every migration applied; fresh migrate tested")
    )


def check_sizes() -> tuple[str, str]:
    charts = _one("SELECT count(*) FROM products.size_charts")
    total = _one("SELECT count(*) FROM products.sizes")
    done = _one("SELECT count(*) FROM products.sizes WHERE standardized_value IS NOT NULL")
    queued = _one("SELECT count(*) FROM products.size_reviews WHERE status = 'open'")
    if not charts:
        return MISSING, "no size charts loaded (manage.py load_size_charts)"
    return DONE, f"{charts} chart lines; {done}/{total} sizes standardized, {queued} in the review queue"


def check_tuning() -> tuple[str, str]:
    return (
        (DONE, "manage.py pg_tune; docs/database/performance-tuning.md")
        if _doc("docs/database/performance-tuning.md")
        else (MISSING, "performance-tuning.md")
    )


def check_docs() -> tuple[str, str]:
    names = ["schema-overview", "fresh-database-setup", "size-standardization", "performance-tuning", "data-migration"]
    return _result([n for n in names if not _doc(f"docs/database/{n}.md")], "the five documents in docs/database/")


def _command_exists(name: str) -> bool:
    from django.core.management import get_commands

    return name in get_commands()


ITEMS = [
    Item("1.1", "sizes in products; config and logs in system", check_public_clean),
    Item("1.2", "domain schemas, every table in its schema", check_schemas),
    Item("1.2.1", "core.colors, materials, tags", check_reference_tables),
    Item("1.2.2", "EAN and GTIN columns on products", lambda: _adr("0004", "GTIN belongs to the size variant")),
    Item("1.2.3", "price_sources with its constraints and history triggers", check_price_sources),
    Item("1.2.3", "partial unique indexes for NULL size", lambda: _adr("0007", "one NULLS NOT DISTINCT key instead")),
    Item("1.2.4", "orders.inventory_id foreign key", check_orders_inventory_fk),
    Item(
        "1.2.7",
        "auth.sessions and auth.permissions tables",
        lambda: _adr("0008", "Django's sessions, groups and permissions"),
    ),
    Item("1.2.8", "platforms generalized beyond StockX", check_generic_platforms),
    Item("2.3", "money in integer cents everywhere", check_cents),
    Item("2.4", "CHECK constraints under the review's names", check_review_checks),
    Item("3.2", "missing indexes under the review's names", check_review_indexes),
    Item("4.1", "materialized views with CONCURRENTLY refresh", check_views),
    Item("4.2.2", "monthly partitions of price_history and logs", check_partitions),
    Item("4.2.2", "pg_partman", lambda: _adr("0005", "a small partition manager of our own")),
    Item("4.2.2", "orders partitioned by year", lambda: _adr("0009", "not at the volumes the review projects")),
    Item("4.2.3", "archive schema for old partitions", check_archive),
    Item("5.2", "CHECK (last_updated <= NOW())", lambda: _adr("0006", "validated on import instead")),
    Item("5.3", "enums in their schemas", lambda: _adr("0002", "TextChoices and named CHECKs, no ENUM types")),
    Item("6.1", "PCI: tokens only, no card numbers", check_pci),
    Item("6.2", "audit trail: created_by/updated_by, audit_log triggers", check_audit),
    Item("6.3", "GDPR: fields, anonymization, retention", check_gdpr),
    Item("7.1", "encryption with key rotation", check_encryption),
    Item("7.2", "row-level security", check_rls),
    Item("7.2", "schema permissions and database roles", check_db_roles),
    Item("8.1", "migration chain builds a fresh database", check_migrations),
    Item("8.3", "no legacy duplicate tables or schema names", check_no_legacy),
    Item("8.4", "sizes.standardized_value populated", check_sizes),
    Item("11.1", "PostgreSQL settings", check_tuning),
    Item("11.2", "monitoring queries", check_monitoring),
    Item("13", "the five database documents", check_docs),
]


def scorecard() -> list[tuple[Item, str, str]]:
    return [(item, *item.check()) for item in ITEMS]
