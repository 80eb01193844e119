"""integration.price_history, partitioned by month (review 4.2.2).

Django cannot create partitioned tables, so the database side is written here; the model
state is the same as a plain CreateModel. The primary key includes recorded_at, as
PostgreSQL requires; a DEFAULT partition is the net, and monthly partitions are made by
soleflip.db.partitions after every migrate.
"""

import uuid

import django.contrib.postgres.functions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PriceHistory",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                db_default=django.contrib.postgres.functions.RandomUUID(),
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("recorded_at", models.DateTimeField()),
                        ("price_source_id", models.UUIDField()),
                        ("product_id", models.UUIDField()),
                        ("size_id", models.UUIDField(blank=True, null=True)),
                        (
                            "source_type",
                            models.CharField(
                                choices=[
                                    ("awin", "Awin feed"),
                                    ("stockx", "StockX"),
                                    ("goat", "GOAT"),
                                    ("alias", "Alias"),
                                    ("ebay", "eBay"),
                                    ("klekt", "Klekt"),
                                    ("retailer", "Retailer (direct)"),
                                    ("manual", "Manual entry"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "price_type",
                            models.CharField(
                                choices=[
                                    ("retail", "Retail (buy)"),
                                    ("resale", "Resale"),
                                    ("lowest_ask", "Lowest ask"),
                                    ("highest_bid", "Highest bid"),
                                    ("last_sale", "Last sale"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("old_price_cents", models.IntegerField(blank=True, null=True)),
                        ("new_price_cents", models.IntegerField()),
                        ("currency", models.CharField(max_length=3)),
                        ("in_stock", models.BooleanField()),
                        ("stock_quantity", models.IntegerField(blank=True, null=True)),
                    ],
                    options={
                        "verbose_name_plural": "price history",
                        "db_table": "price_history",
                        "indexes": [
                            models.Index(
                                fields=["price_source_id", "-recorded_at"],
                                name="idx_price_history_source_time",
                            ),
                            models.Index(
                                fields=["product_id", "-recorded_at"],
                                name="idx_price_history_product_time",
                            ),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("currency__regex", "^[A-Z]{3}$")),
                                name="chk_price_history_currency_format",
                                violation_error_message="Currency must be a three-letter ISO code such as EUR.",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
                    CREATE TABLE integration.price_history (
                        id uuid NOT NULL DEFAULT gen_random_uuid(),
                        recorded_at timestamptz NOT NULL,
                        price_source_id uuid NOT NULL,
                        product_id uuid NOT NULL,
                        size_id uuid NULL,
                        source_type varchar(20) NOT NULL,
                        price_type varchar(20) NOT NULL,
                        old_price_cents integer NULL,
                        new_price_cents integer NOT NULL,
                        currency varchar(3) NOT NULL,
                        in_stock boolean NOT NULL,
                        stock_quantity integer NULL,
                        CONSTRAINT price_history_pkey PRIMARY KEY (id, recorded_at),
                        CONSTRAINT chk_price_history_currency_format CHECK (currency ~ '^[A-Z]{3}$')
                    ) PARTITION BY RANGE (recorded_at);
                    -- A price source's chart: its changes over time.
                    CREATE INDEX idx_price_history_source_time
                        ON integration.price_history (price_source_id, recorded_at DESC);
                    -- A product's price movements across sources.
                    CREATE INDEX idx_price_history_product_time
                        ON integration.price_history (product_id, recorded_at DESC);
                    CREATE TABLE integration.price_history_default
                        PARTITION OF integration.price_history DEFAULT;
                    """,
                    reverse_sql="DROP TABLE integration.price_history;",
                ),
            ],
        ),
    ]
