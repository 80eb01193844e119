"""Row-level security on inventory and orders (review 7.2).

A staff member with the role "user" sees and changes only the inventory bought through
their own supplier accounts, and only the orders of that inventory; "admin" and
"readonly" see everything ("readonly" changes nothing, by grants and by the app). The
acting user is ``app.user_id``, set per request and per command; a session that sets no
user is the system (workers, migrations, analytics refreshes) and is not restricted.

FORCE ROW LEVEL SECURITY subjects the table owner too; superusers always bypass RLS, which
is why production connects as the runtime role made by ``manage.py create_db_roles``.
NULLIF: after a committed SET LOCAL the setting reads '' rather than NULL (docs/stack-facts.md, trap 8).
Neither table is partitioned; a policy on a partitioned parent would not guard direct
reads of its partitions.
"""

from django.db import migrations

ACTOR = "NULLIF(current_setting('app.user_id', true), '')::uuid"
UNRESTRICTED = f"""(
    {ACTOR} IS NULL
    OR EXISTS (SELECT 1 FROM auth.users u WHERE u.id = {ACTOR} AND u.role IN ('admin', 'readonly'))
)"""
MAY_WRITE_ALL = f"""(
    {ACTOR} IS NULL
    OR EXISTS (SELECT 1 FROM auth.users u WHERE u.id = {ACTOR} AND u.role = 'admin')
)"""
OWN_INVENTORY = f"""supplier_account_id IN (
    SELECT sa.id FROM core.supplier_accounts sa WHERE sa.user_id = {ACTOR}
)"""
# An order is visible and writable exactly when its inventory row is (the subquery is itself
# subject to the inventory policies).
VISIBLE_INVENTORY = "EXISTS (SELECT 1 FROM products.inventory i WHERE i.id = inventory_id)"


def policies(table: str, own: str) -> str:
    name = table.split(".")[1]
    return f"""
        ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
        CREATE POLICY {name}_read ON {table} FOR SELECT USING ({UNRESTRICTED} OR {own});
        CREATE POLICY {name}_insert ON {table} FOR INSERT WITH CHECK ({MAY_WRITE_ALL} OR {own});
        CREATE POLICY {name}_update ON {table} FOR UPDATE
            USING ({MAY_WRITE_ALL} OR {own}) WITH CHECK ({MAY_WRITE_ALL} OR {own});
        CREATE POLICY {name}_delete ON {table} FOR DELETE USING ({MAY_WRITE_ALL} OR {own});
    """


def drop(table: str) -> str:
    name = table.split(".")[1]
    return "".join(f"DROP POLICY {name}_{op} ON {table};" for op in ("read", "insert", "update", "delete")) + (
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("transactions", "0006_audit_triggers"),
        ("catalog", "0006_audit_triggers"),
        ("accounts", "0008_db_health_permission"),
    ]

    operations = [
        migrations.RunSQL(policies("products.inventory", OWN_INVENTORY), drop("products.inventory")),
        migrations.RunSQL(policies("transactions.orders", VISIBLE_INVENTORY), drop("transactions.orders")),
    ]
