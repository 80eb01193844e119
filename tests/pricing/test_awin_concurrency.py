"""Awin imports against real commits: interrupted imports roll back, concurrent ones do not duplicate."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from catalog.models import Brand, Product, Size, Variant
from catalog.services import size_charts_load
from pricing.awin import importer, pipeline
from pricing.awin.importer import awin_feed_import
from pricing.awin.reader import AwinRowReader
from pricing.awin.staging import Stage
from pricing.models import AwinProduct, ImportRun, PriceHistory, PriceSource
from tests.pricing.test_awin_import import feed_row, write_feed

pytestmark = pytest.mark.django_db(transaction=True)


def state() -> tuple[int, ...]:
    return (
        AwinProduct.objects.count(),
        PriceSource.objects.count(),
        PriceHistory.objects.count(),
        Product.objects.count(),
        Variant.objects.count(),
        Size.objects.count(),
        Brand.objects.count(),
    )


@pytest.fixture
def charts():
    size_charts_load()


def test_an_import_interrupted_midway_leaves_the_database_as_before(tmp_path, charts, monkeypatch):
    awin_feed_import(path=write_feed(tmp_path / "first.csv", [feed_row(n) for n in range(3)]))
    before = state()
    # Small passes, so the first ones have written prices, variants and a product when it breaks.
    monkeypatch.setattr(importer, "PASS_ROWS", 2)
    monkeypatch.setattr(importer, "MIN_PASS_ROWS", 2)
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    original = Stage.run_pass
    passes = []

    def failing_pass(stage):
        passes.append(stage.pending)
        if len(passes) == 3:
            raise RuntimeError("disk full")
        original(stage)

    monkeypatch.setattr(Stage, "run_pass", failing_pass)
    rows = [feed_row(n, search_price="99.00") for n in range(8)]
    with pytest.raises(RuntimeError, match="disk full"):
        awin_feed_import(path=write_feed(tmp_path / "second.csv", rows))
    assert len(passes) == 3
    assert state() == before
    run = ImportRun.objects.latest("created_at")
    assert run.status == "failed" and run.message == "Interrupted: RuntimeError: disk full"


def test_an_import_stopped_while_reading_leaves_the_database_as_before(tmp_path, charts, monkeypatch):
    awin_feed_import(path=write_feed(tmp_path / "first.csv", [feed_row(n) for n in range(3)]))
    before = state()
    monkeypatch.setattr(importer, "PASS_ROWS", 2)
    monkeypatch.setattr(importer, "MIN_PASS_ROWS", 2)
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    original = AwinRowReader.read

    def read(reader, row):
        if row.line == 8:
            raise KeyboardInterrupt
        return original(reader, row)

    monkeypatch.setattr(AwinRowReader, "read", read)
    with pytest.raises(KeyboardInterrupt):
        awin_feed_import(path=write_feed(tmp_path / "second.csv", [feed_row(n, colour="rot") for n in range(10)]))
    assert state() == before
    assert ImportRun.objects.latest("created_at").status == "failed"


def _import_in_threads(paths) -> list[ImportRun]:
    barrier = threading.Barrier(len(paths))
    runs: list[ImportRun] = []
    failures: list[BaseException] = []

    def work(path):
        try:
            barrier.wait()
            runs.append(awin_feed_import(path=path))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return runs


def test_two_imports_of_the_same_feed_at_once_do_not_duplicate_anything(tmp_path, charts):
    path = write_feed(tmp_path / "feed.csv", [feed_row(n) for n in range(12)])
    runs = _import_in_threads([path, path])
    assert sorted((run.status, run.rows_created, run.rows_unchanged) for run in runs) == [
        ("succeeded", 0, 12),
        ("succeeded", 12, 0),
    ]
    assert state()[:5] == (12, 12, 12, 1, 12)
    assert Brand.objects.filter(slug="salomon").count() == 1


def test_two_merchants_adding_the_same_new_product_at_once_share_it(tmp_path, charts):
    first = write_feed(tmp_path / "a.csv", [feed_row(n) for n in range(12)])
    other_merchant = [
        feed_row(n, merchant_id="17046", aw_product_id=str(42_000_000_000 + n), merchant_name="Solebox")
        for n in range(12)
    ]
    second = write_feed(tmp_path / "b.csv", other_merchant)
    runs = _import_in_threads([first, second])
    assert [run.status for run in runs] == ["succeeded", "succeeded"], [run.message for run in runs]
    assert PriceSource.objects.count() == 24, [(r.message, r.options) for r in runs]
    assert (Product.objects.count(), Variant.objects.count(), Brand.objects.filter(slug="salomon").count()) == (
        1,
        12,
        1,
    )
    assert PriceSource.objects.count() == 24
    assert set(PriceSource.objects.values_list("source_name", flat=True)) == {"size?Official DE", "Solebox"}


def test_variants_another_import_is_adding_are_waited_for_and_matched(tmp_path, charts):
    # Another transaction holds new variants of the product, not yet committed: this import's
    # insert of the same variants waits for it, skips them as conflicts once it commits, and
    # then matches its rows to the committed variants instead of leaving them unmatched.
    import time

    import psycopg

    from catalog.gtin import with_check_digit

    other_shoe = {"mpn": "L47000000", "product_name": "Salomon ACS Pro"}
    awin_feed_import(
        path=write_feed(
            tmp_path / "first.csv",
            [feed_row(n) for n in range(4)] + [feed_row(100, **other_shoe, **{"Fashion:size": "40"})],
        )
    )
    xt6, acs = Product.objects.get(style_code="L41086600"), Product.objects.get(style_code="L47000000")
    rows = [
        feed_row(
            n,
            **other_shoe,
            merchant_id="17046",
            aw_product_id=str(47_000_000_000 + n),
            ean=with_check_digit(f"470{n:09d}"),
        )
        for n in (1, 2, 3)
    ]
    second = write_feed(tmp_path / "second.csv", rows)
    runs: list[ImportRun] = []
    import_pid: list[int] = []

    def work() -> None:
        try:
            with connection.cursor() as cursor:  # the backend the import will use
                cursor.execute("SELECT pg_backend_pid()")
                import_pid.append(cursor.fetchone()[0])
            runs.append(awin_feed_import(path=second))
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    other = psycopg.connect(**connection.get_connection_params())

    def waits_on_other() -> bool:
        """Whether the import waits on the other transaction's locks (its insert of the same variants)."""
        if not import_pid:
            return False
        row = other.execute("SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))", [import_pid[0]]).fetchone()
        return bool(row and row[0])

    try:
        added = other.execute(
            "INSERT INTO products.variants (product_id, size_id, sku) SELECT %s, size_id, '' FROM products.variants"
            " WHERE product_id = %s AND size_id <> (SELECT size_id FROM products.variants WHERE product_id = %s)"
            " RETURNING id",
            [acs.pk, xt6.pk, acs.pk],
        ).fetchall()
        assert len(added) == 3
        thread.start()
        deadline = time.monotonic() + 60
        while not waits_on_other():
            assert time.monotonic() < deadline, "the import never waited for the other transaction"
            time.sleep(0.05)
        other.commit()
    finally:
        other.close()  # rolls back if the test failed before the commit, so the import can end
        if thread.ident is not None:
            thread.join(timeout=60)
    (run,) = runs
    assert (run.status, run.rows_created, run.options["unmatched"]) == ("succeeded", 3, {}), run.message
    assert Variant.objects.count() == 8
    ids = {variant_id for (variant_id,) in added}
    matched = set(AwinProduct.objects.filter(merchant_id="17046").values_list("matched_variant_id", flat=True))
    assert matched == ids
    priced = set(PriceSource.objects.filter(source_product_id__startswith="470").values_list("product", "size"))
    assert priced == set(Variant.objects.filter(pk__in=ids).values_list("product", "size"))
