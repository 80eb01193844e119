"""Shared test setup. Factories live in tests/factories.py as plain functions."""

from __future__ import annotations

from collections.abc import Callable
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
