"""Migration operations that place tables in the review's schemas (docs/adr/0001)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

from soleflip.db.schemas import ALL_SCHEMAS, SEARCH_PATH


def _path_sql(schema: str | None) -> str:
    names = SEARCH_PATH if schema is None else (schema, *(s for s in ALL_SCHEMAS if s != schema), "public")
    return "SET LOCAL search_path TO " + ", ".join(f'"{name}"' for name in names)


class InSchema(migrations.SeparateDatabaseAndState):
    """Run the wrapped operations with ``schema`` first on the search_path, in both directions.

    New tables (and their auto-created M2M tables, sequences and indexes) land in ``schema``;
    names of existing tables still resolve through the rest of the path. The path is reset
    afterwards, so trigger functions and extensions added later stay in ``public``.
    """

    def __init__(self, schema: str, operations: Sequence[Operation]) -> None:
        if schema not in ALL_SCHEMAS:
            raise ValueError(f"{schema!r} is not one of the project's schemas {ALL_SCHEMAS}")
        self.schema = schema
        super().__init__(database_operations=list(operations), state_operations=list(operations))

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [self.schema, self.database_operations], {})

    def describe(self) -> str:
        return f"In schema {self.schema}: " + "; ".join(op.describe() for op in self.database_operations)

    def _check_atomic(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if not schema_editor.atomic_migration:
            # SET LOCAL outside a transaction silently does nothing: tables would land in public.
            raise RuntimeError("InSchema needs an atomic migration (SET LOCAL needs a transaction).")

    @contextmanager
    def _in_schema(self, schema_editor: BaseDatabaseSchemaEditor) -> Iterator[None]:
        self._check_atomic(schema_editor)
        schema_editor.execute(_path_sql(self.schema))
        try:
            yield
        finally:
            schema_editor.execute(_path_sql(None))

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        with self._in_schema(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        with self._in_schema(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_schemas(*schemas: str) -> migrations.RunSQL:
    """Create the schemas; the reverse drops them without CASCADE, so strays make it fail."""
    return migrations.RunSQL(
        sql=[f'CREATE SCHEMA "{name}"' for name in schemas],
        reverse_sql=[f'DROP SCHEMA "{name}"' for name in reversed(schemas)],
    )
