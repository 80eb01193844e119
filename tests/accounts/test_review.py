"""The review scorecard: one line per recommendation, declined items backed by an ADR."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.review import ITEMS, MISSING, scorecard

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_every_item_reports_a_status_with_its_section(capsys):
    call_command("load_size_charts")
    missing = [item.title for item, status, _ in scorecard() if status == MISSING]
    exit_code = 0
    try:
        call_command("db_review")
    except SystemExit as exc:
        exit_code = int(exc.code or 0)
    assert exit_code == (1 if missing else 0)
    out = capsys.readouterr().out.splitlines()
    lines = [line for line in out if re.match(r"^[\d.]+\s+(done|declined|missing) ", line)]
    assert len(lines) == len(ITEMS)
    for line, item in zip(lines, ITEMS, strict=True):
        assert line.startswith(item.section)
        assert re.search(r"\b(done|declined|missing)\b", line)


def test_declined_items_name_an_adr_that_exists():
    declined = [(item, detail) for item, status, detail in scorecard() if status == "declined"]
    assert declined
    for item, detail in declined:
        assert (ROOT / detail.split(":")[0]).exists(), item.title


def test_a_missing_item_is_reported_and_fails_the_command(capsys):
    from django.db import connection

    with connection.cursor() as cursor, contextlib.suppress(Exception):
        cursor.execute("ALTER TABLE transactions.orders DROP CONSTRAINT chk_orders_sale_price_positive")
    results = {item.section + item.title: status for item, status, _ in scorecard()}
    assert results["2.4CHECK constraints under the review's names"] == MISSING
    with pytest.raises(SystemExit):
        call_command("db_review", "--only-missing")
    assert "chk_orders_sale_price_positive" in capsys.readouterr().out


def test_the_review_scorecard_reports_nothing_missing(capsys):
    call_command("load_size_charts")
    call_command("db_review")  # raises SystemExit(1) if any item is missing
    out = capsys.readouterr().out
    assert not [line for line in out.splitlines() if re.match(r"^[\d.]+\s+missing\s", line)]
    assert out.rstrip().endswith("0 missing")
