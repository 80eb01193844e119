"""The audit trail: statement-level triggers writing ``system.audit_log`` on the critical tables.

Every insert, update and delete is recorded with the old and new row as JSONB and the
acting user from ``app.user_id`` (set per request by the middleware, per command by
``--as-user``), whatever wrote it: the admin, a service, a bulk update, raw SQL or COPY.
Statement triggers with transition tables cost one INSERT ... SELECT per statement.
Updates that change nothing are not recorded.
"""

from __future__ import annotations

import pgtrigger
from django.apps import apps
from django.db import models

# NULLIF: after a committed SET LOCAL the setting reads '' rather than NULL (docs/stack-facts.md, trap 8).
ACTOR = "NULLIF(current_setting('app.user_id', true), '')::uuid"
AUDIT_TRIGGERS = frozenset({"audit_insert", "audit_update", "audit_delete"})
_COLUMNS = "changed_at, table_name, record_id, operation, old_values, new_values, changed_by"


def _row(alias: str, exclude: tuple[str, ...]) -> str:
    removed = "".join(f" - '{column}'" for column in exclude)
    return f"(to_jsonb({alias}){removed})"


def audit_triggers(
    *,
    exclude: tuple[str, ...] = (),
    inserts: bool = True,
    recorded_elsewhere: tuple[str, ...] = (),
    columns: tuple[str, ...] = (),
) -> list[pgtrigger.Trigger]:
    """The audit triggers of one table; ``exclude`` leaves columns out (password hashes).

    ``inserts=False`` for a table whose inserts another trigger already records in full
    (price_sources: price_history keeps every new price), so a million-row feed import does
    not write a million audit rows as well. ``recorded_elsewhere`` names the columns such a
    trigger records on update (with the bookkeeping columns that move with them): an update
    that changes nothing else is not recorded here; one that changes anything else is, with
    the whole old and new row (docs/adr/0011). It needs ``columns``, all the table's
    columns, so the test compares the others column by column: as JSON it cost 16 µs a row,
    about as much as the update itself (a test keeps the list equal to the model's).
    """
    new, old = _row("n", exclude), _row("o", exclude)
    if recorded_elsewhere:
        if exclude:
            raise ValueError("recorded_elsewhere compares columns: it cannot leave columns out as well")
        if not set(recorded_elsewhere) < set(columns):
            raise ValueError("recorded_elsewhere needs columns: all the table's columns, these among them")
        others = [column for column in columns if column not in recorded_elsewhere]
        changed = f"({', '.join(f'o.{c}' for c in others)}) IS DISTINCT FROM ({', '.join(f'n.{c}' for c in others)})"
    else:
        changed = f"{old} IS DISTINCT FROM {new}"
    triggers = [
        pgtrigger.Trigger(
            name="audit_insert",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=pgtrigger.Insert,
            referencing=pgtrigger.Referencing(new="new_rows"),
            func=f"""
                INSERT INTO system.audit_log ({_COLUMNS})
                SELECT statement_timestamp(), TG_TABLE_NAME, n.id, 'INSERT', NULL, {new}, {ACTOR}
                FROM new_rows n;
                RETURN NULL;
            """,
        ),
        pgtrigger.Trigger(
            name="audit_update",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
            func=f"""
                INSERT INTO system.audit_log ({_COLUMNS})
                SELECT statement_timestamp(), TG_TABLE_NAME, n.id, 'UPDATE', {old}, {new}, {ACTOR}
                FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE {changed};
                RETURN NULL;
            """,
        ),
        pgtrigger.Trigger(
            name="audit_delete",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=pgtrigger.Delete,
            referencing=pgtrigger.Referencing(old="old_rows"),
            func=f"""
                INSERT INTO system.audit_log ({_COLUMNS})
                SELECT statement_timestamp(), TG_TABLE_NAME, o.id, 'DELETE', {old}, NULL, {ACTOR}
                FROM old_rows o;
                RETURN NULL;
            """,
        ),
    ]
    return triggers if inserts else [t for t in triggers if t.name != "audit_insert"]


# The audit log is append-only; only the GDPR scrub may rewrite it, and it says so first
# with SET LOCAL app.gdpr_scrub = 'on' inside its own transaction.
APPEND_ONLY = pgtrigger.Trigger(
    name="audit_log_append_only",
    level=pgtrigger.Row,
    when=pgtrigger.Before,
    operation=pgtrigger.Update | pgtrigger.Delete,
    func="""
        IF current_setting('app.gdpr_scrub', true) = 'on' THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'system.audit_log is append-only (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    """,
)


def audited_models() -> list[type[models.Model]]:
    """The models whose tables carry the audit triggers, read from the models' own trigger lists.

    The one list of audited tables: the audit log's table filter shows it, and a test holds it
    equal to the tables that have the triggers in the database.
    """
    return [
        model
        for model in apps.get_models()
        if any(trigger.name in AUDIT_TRIGGERS for trigger in getattr(model._meta, "triggers", ()))
    ]
