"""manage.py import_sales_report: a thin command over sales_report_import."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pricing.models import ImportRun
from tests.factories import make_user
from tests.transactions.test_reports_import import (
    invoice_row,
    make_shop,
    pair,
    write_invoice,
)
from transactions.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop() -> SimpleNamespace:
    return make_shop()


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("import_sales_report", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_a_report_and_prints_a_one_line_summary(shop, tmp_path):
    pair(shop.dunk, shop.sizes["44.5"])
    path = write_invoice(tmp_path / "invoice.csv", invoice_row())
    output = command(str(path), "--platform", "stockx")
    assert re.fullmatch(
        r"invoice\.csv: StockX EU seller invoice report, 1 row\(s\): 1 order\(s\) created, 0 updated, 0 unchanged, "
        r"0 sale\(s\) sent to the review queue\. \([0-9]+\.[0-9] s\)\n",
        output,
    )
    assert Order.objects.count() == 1


def test_a_failed_run_lists_the_bad_rows_and_exits_with_an_error(shop, tmp_path):
    path = write_invoice(tmp_path / "invoice.csv", invoice_row(), invoice_row(Order_Number="2", Listing_Price="x"))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"^invoice.csv: 1 bad row\(s\) of 2; nothing was written"):
        call_command("import_sales_report", str(path), "--platform", "stockx", stdout=out, stderr=err)
    # The rejected rows go to stderr, as every import command reports them.
    assert err.getvalue() == '  line 3, column "Listing Price": "x" is not an amount\n'
    assert out.getvalue() == ""
    assert ImportRun.objects.get().status == "failed"


def test_the_options_reach_the_run(shop, tmp_path):
    pair(shop.dunk, shop.sizes["44.5"])
    user = make_user(email="anna@example.com")
    path = write_invoice(tmp_path / "invoice.csv", invoice_row(), invoice_row(Order_Number="2", Listing_Price="x"))
    output = command(str(path), "--platform", "stockx", "--skip-bad-rows", "--dry-run", "--as-user", "ANNA@example.com")
    run = ImportRun.objects.get()
    assert (run.user, run.options["dry_run"], run.options["skip_bad_rows"], run.status) == (user, True, True, "partial")
    assert re.search(r"1 bad row\(s\) skipped\. Dry run: nothing was written\. \([0-9.]+ s\)\n$", output)
    assert not Order.objects.exists()


def test_progress_is_printed_every_so_many_rows(shop, tmp_path, monkeypatch):
    monkeypatch.setattr("transactions.sales_import.importer.PROGRESS_EVERY", 1)
    path = write_invoice(tmp_path / "invoice.csv", invoice_row(Style="X-1"), invoice_row(Order_Number="2", Style="X-1"))
    assert command(str(path), "--platform", "stockx").startswith("  1 rows read\n  2 rows read\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "klekt"], 'unknown platform "klekt"; known platforms: alias, ebay, goat, stockx'),
        (
            ["--platform", "stockx", "--as-user", "nobody@example.com"],
            "nobody@example.com: no user has this e-mail address",
        ),
    ],
)
def test_user_errors_are_command_errors_and_start_no_run(shop, tmp_path, args, message):
    path = write_invoice(tmp_path / "invoice.csv", invoice_row())
    with pytest.raises(CommandError, match=message):
        command(str(path), *args)
    with pytest.raises(CommandError, match="no such file"):
        command(str(tmp_path / "missing.csv"), "--platform", "stockx")
    assert not ImportRun.objects.exists()


def test_a_long_list_of_bad_rows_is_cut_after_twenty_with_the_count_of_the_rest(shop, tmp_path):
    good = [invoice_row(Order_Number=str(n)) for n in range(30)]
    bad = [invoice_row(Order_Number=str(100 + n), Listing_Price="x") for n in range(25)]
    path = write_invoice(tmp_path / "invoice.csv", *good, *bad)
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"^invoice.csv: 25 bad row\(s\) of 55; nothing was written"):
        call_command("import_sales_report", str(path), "--platform", "stockx", stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 21
    assert lines[0] == '  line 32, column "Listing Price": "x" is not an amount'
    assert lines[-1] == "  ... and 5 more (admin: Import runs)"
