"""Sales report imports under interruption and concurrency: real transactions, real threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction

from catalog.models import Inventory
from pricing.models import ImportRun
from tests.transactions.test_reports_import import (
    import_report,
    invoice_row,
    make_shop,
    pair,
    snapshot,
    write_csv,
    write_invoice,
)
from transactions.models import Order, UnmatchedSale
from transactions.sales_import.formats import ALIAS_SALES
from transactions.sales_import.importer import _SalesReportImport

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop() -> SimpleNamespace:
    return make_shop()


def in_threads(*calls: Callable[[], Any]) -> list[Any]:
    """Start the calls together, each in its own thread and database connection; return their results."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    failures: list[BaseException] = []

    def work(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return results


def test_an_import_interrupted_midway_leaves_the_database_as_before(shop, tmp_path, sql, monkeypatch):
    pair(shop.dunk, shop.sizes["44.5"])
    pair(shop.dunk, shop.sizes["42.5"])
    path = write_invoice(
        tmp_path / "invoice.csv",
        invoice_row(Order_Number="1-1", Style="X-1"),  # queued for review before the failure
        invoice_row(),
        invoice_row(Order_Number="2-2", Sku_Size="9"),
    )
    before = snapshot(sql)
    real_create = _SalesReportImport._create_order
    calls = []

    def create_then_fail(self: _SalesReportImport, *args: Any) -> Order:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("injected failure")
        return real_create(self, *args)

    monkeypatch.setattr(_SalesReportImport, "_create_order", create_then_fail)

    with pytest.raises(RuntimeError, match="injected failure"):
        import_report(path)

    assert snapshot(sql) == before
    run = ImportRun.objects.get()
    assert run.status == "failed"
    assert run.message == "Interrupted: RuntimeError: injected failure"


def test_two_imports_of_the_same_report_at_once_duplicate_nothing(shop, tmp_path):
    pairs = [pair(shop.dunk, shop.sizes["44.5"], days_ago=days) for days in (3, 2, 1)]
    path = write_invoice(
        tmp_path / "invoice.csv",
        invoice_row(Order_Number="1-1"),
        invoice_row(Order_Number="2-2"),
        invoice_row(Order_Number="3-3", Style="X-1"),
    )

    runs = in_threads(lambda: import_report(path), lambda: import_report(path))

    assert [run.status for run in runs] == ["succeeded", "succeeded"]
    # One import wrote everything; the other waited for it, then found nothing to change.
    assert sorted((run.rows_created, run.rows_unchanged) for run in runs) == [(0, 3), (3, 0)]
    assert Order.objects.count() == 2 and UnmatchedSale.objects.count() == 1
    assert sorted(Inventory.objects.filter(pk__in=[p.pk for p in pairs]).values_list("status", flat=True)) == [
        "available",
        "sold",
        "sold",
    ]


def test_two_platforms_selling_the_last_pair_at_once_make_one_order(shop, tmp_path):
    last = pair(shop.dunk, shop.sizes["44.5"])
    stockx = write_invoice(tmp_path / "invoice.csv", invoice_row())
    alias_row = {
        "ORDER_NUMBER": "586612181",
        "SKU": "DD1391-100",
        "SIZE": "10.5",
        "NAME": "Dunk Low",
        "PRODUCT_PRICE_CENTS_SALE_PRICE": "138",
        "PURCHASED_DATE": "18/12/24",
    }
    alias = write_csv(tmp_path / "alias.csv", ALIAS_SALES.all_columns, [alias_row])

    runs = in_threads(lambda: import_report(stockx), lambda: import_report(alias, platform="alias"))

    assert [run.status for run in runs] == ["succeeded", "succeeded"]
    assert Order.objects.get().inventory == last
    assert Inventory.objects.get(pk=last.pk).status == "sold"
    queued = UnmatchedSale.objects.get()
    assert queued.reason.startswith(("no unsold pair of", "every unsold pair of"))


def test_a_pair_another_transaction_is_selling_is_skipped_without_waiting(shop, tmp_path):
    held = pair(shop.dunk, shop.sizes["44.5"])
    locked, release = threading.Event(), threading.Event()

    def hold_the_pair() -> None:
        try:
            with transaction.atomic():
                Inventory.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_pair)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        run = import_report(write_invoice(tmp_path / "invoice.csv", invoice_row()))
    finally:
        release.set()
        holder.join(timeout=30)

    assert (run.status, run.rows_created) == ("succeeded", 1)
    assert not Order.objects.exists()
    assert UnmatchedSale.objects.get().reason == (
        'every unsold pair of Nike Dunk Low Retro (DD1391-100) in size "10.5" (EU 44.5) is being sold by another '
        "import or sale right now; import the report again when it is done"
    )
