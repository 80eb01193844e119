"""system.logs and system.audit_log, partitioned by month (review 4.2.2, 6.2).

Django cannot create partitioned tables, so the database side is written here; the model
state is the same as a plain CreateModel. Primary keys include the partition column, as
PostgreSQL requires; each table gets a DEFAULT partition as a net, and the monthly
partitions are made by soleflip.db.partitions after every migrate.
"""

import uuid

import django.contrib.postgres.functions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SystemLog",
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
                        ("created_at", models.DateTimeField()),
                        (
                            "level",
                            models.CharField(
                                choices=[
                                    ("DEBUG", "Debug"),
                                    ("INFO", "Info"),
                                    ("WARNING", "Warning"),
                                    ("ERROR", "Error"),
                                    ("CRITICAL", "Critical"),
                                ],
                                default="INFO",
                                max_length=10,
                            ),
                        ),
                        ("logger", models.CharField(max_length=100)),
                        ("message", models.TextField()),
                        ("context", models.JSONField(blank=True, default=dict)),
                        ("user_id", models.UUIDField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "logs",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("level__in", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])),
                                name="chk_logs_level_valid",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AuditLog",
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
                        ("changed_at", models.DateTimeField()),
                        ("table_name", models.CharField(max_length=100)),
                        ("record_id", models.UUIDField()),
                        (
                            "operation",
                            models.CharField(
                                choices=[
                                    ("INSERT", "Insert"),
                                    ("UPDATE", "Update"),
                                    ("DELETE", "Delete"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("old_values", models.JSONField(blank=True, null=True)),
                        ("new_values", models.JSONField(blank=True, null=True)),
                        ("changed_by", models.UUIDField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "audit_log",
                        "indexes": [
                            models.Index(
                                fields=["table_name", "record_id", "-changed_at"],
                                name="idx_audit_log_record",
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("operation__in", ["INSERT", "UPDATE", "DELETE"])),
                                name="chk_audit_log_operation_valid",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
                    CREATE TABLE system.logs (
                        id uuid NOT NULL DEFAULT gen_random_uuid(),
                        created_at timestamptz NOT NULL,
                        level varchar(10) NOT NULL,
                        logger varchar(100) NOT NULL,
                        message text NOT NULL,
                        context jsonb NOT NULL,
                        user_id uuid NULL,
                        CONSTRAINT logs_pkey PRIMARY KEY (id, created_at),
                        CONSTRAINT chk_logs_level_valid
                            CHECK (level IN ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'))
                    ) PARTITION BY RANGE (created_at);
                    CREATE TABLE system.logs_default PARTITION OF system.logs DEFAULT;
                    """,
                    reverse_sql="DROP TABLE system.logs;",
                ),
                migrations.RunSQL(
                    sql="""
                    CREATE TABLE system.audit_log (
                        id uuid NOT NULL DEFAULT gen_random_uuid(),
                        changed_at timestamptz NOT NULL,
                        table_name varchar(100) NOT NULL,
                        record_id uuid NOT NULL,
                        operation varchar(10) NOT NULL,
                        old_values jsonb NULL,
                        new_values jsonb NULL,
                        changed_by uuid NULL,
                        CONSTRAINT audit_log_pkey PRIMARY KEY (id, changed_at),
                        CONSTRAINT chk_audit_log_operation_valid
                            CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE'))
                    ) PARTITION BY RANGE (changed_at);
                    -- The audit screen: one record's history, newest first.
                    CREATE INDEX idx_audit_log_record
                        ON system.audit_log (table_name, record_id, changed_at DESC);
                    CREATE TABLE system.audit_log_default PARTITION OF system.audit_log DEFAULT;
                    """,
                    reverse_sql="DROP TABLE system.audit_log;",
                ),
            ],
        ),
    ]
