"""Where tables live, and the per-connection context the database sees.

SoleFlip's tables sit in the PostgreSQL schemas of the database review. Models keep bare,
project-unique table names (``db_table = "brands"``); the connection's ``search_path`` finds
them, and each app's migrations create them inside their schema with ``InSchema``. The
reasons, and what the ``'"schema"."table"'`` trick breaks, are in docs/adr/0001.
"""

from __future__ import annotations

# The schemas of each app, in the order their first migration creates them.
APP_SCHEMAS: dict[str, tuple[str, ...]] = {
    "catalog": ("core", "products"),
    "pricing": ("integration", "pricing", "analytics"),
    "transactions": ("transactions", "platforms"),
    "accounts": ("auth", "system", "archive"),
}
ALL_SCHEMAS: tuple[str, ...] = tuple(s for schemas in APP_SCHEMAS.values() for s in schemas)

# public first: Django's own tables and django_migrations live there, and CREATE EXTENSION
# puts extension functions there rather than into an app schema.
SEARCH_PATH: tuple[str, ...] = ("public", *ALL_SCHEMAS)

# Where every project table lives: the one explicit map the schema guard test checks the
# database against. A new model must be added here (and created inside ``InSchema``).
TABLE_SCHEMAS: dict[str, str] = {
    # catalog
    "brands": "core",
    "categories": "core",
    "colors": "core",
    "materials": "core",
    "tags": "core",
    "suppliers": "core",
    "supplier_tags": "core",
    "supplier_accounts": "core",
    "supplier_history": "core",
    "supplier_performance": "core",
    "products": "products",
    "product_tags": "products",
    "sizes": "products",
    "size_reviews": "products",
    "size_charts": "products",
    "variants": "products",
    "inventory": "products",
    "products_history": "products",
    "variants_history": "products",
    "inventory_history": "products",
    "suppliers_history": "core",
    "supplier_accounts_history": "core",
    # pricing
    "price_sources": "integration",
    "price_history": "integration",
    "price_sources_history": "integration",
    "awin_products": "integration",
    "import_runs": "integration",
    "price_rules": "pricing",
    "brand_multipliers": "pricing",
    "view_refreshes": "analytics",
    # transactions
    "platforms": "platforms",
    "fee_schedules": "platforms",
    "listings": "platforms",
    "orders": "transactions",
    "payouts": "transactions",
    "orders_history": "transactions",
    "listings_history": "platforms",
    "unmatched_sales": "transactions",
    # accounts
    "users": "auth",
    "user_groups": "auth",
    "user_permissions": "auth",
    "api_keys": "auth",
    "users_history": "auth",
    "config": "system",
    "logs": "system",
    "audit_log": "system",
}

# Materialized views (pricing/migrations/0004_analytics_views.py), read through unmanaged models.
VIEW_SCHEMAS: dict[str, str] = {
    "profit_opportunities_mv": "analytics",
    "brand_performance_mv": "analytics",
    "daily_sales_mv": "analytics",
    "inventory_aging_mv": "analytics",
}

# Tables partitioned by month on a timestamp column (created by RunSQL, see their migrations).
PARTITIONED_TABLES: dict[str, str] = {
    "price_history": "recorded_at",
    "logs": "created_at",
    "audit_log": "changed_at",
}
