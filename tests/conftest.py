"""Shared test setup. Factories live in tests/factories.py as plain functions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection


@pytest.fixture
def sql() -> Callable[..., list[tuple[Any, ...]]]:
    """Run raw SQL on the test database and return all rows."""

    def run(query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(query, params or [])
            return cursor.fetchall() if cursor.description else []

    return run


@contextmanager
def plain_search_path(cursor: Any) -> Iterator[None]:
    """Run SQL as psql or cron would, with only ``public`` on the search_path."""
    cursor.execute("SELECT current_setting('search_path')")
    saved = cursor.fetchone()[0]
    cursor.execute("SET LOCAL search_path TO public")
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('search_path', %s, true)", [saved])
