"""The Awin feed import end to end: matching, catalog additions, counts, all-or-nothing, re-imports."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.models import Brand, Product, Size, SizeReview, Variant
from catalog.services import size_charts_load
from pricing.awin.importer import ImportProgress, awin_feed_import
from pricing.imports import import_run_errors_csv
from pricing.models import AwinProduct, ImportRun, PriceHistory, PriceSource
from tests.factories import make_brand, make_product, make_size, make_supplier, make_user, make_variant

pytestmark = pytest.mark.django_db

# The real size?Official DE feed (1,150 size rows) that the demo imports too.
SAMPLE = Path(__file__).resolve().parents[2] / "demo" / "awin_feed_sample.csv"

HEADER = [
    "aw_product_id",
    "merchant_id",
    "merchant_name",
    "product_name",
    "brand_name",
    "search_price",
    "currency",
    "ean",
    "mpn",
    "Fashion:size",
    "category_name",
    "colour",
    "in_stock",
    "stock_quantity",
    "merchant_deep_link",
    "aw_deep_link",
    "last_updated",
]


def feed_row(n: int, **cells: str) -> dict[str, str]:
    """A good row of a Salomon XT-6 in EU size 40 + n/2, with its own GTIN and product id."""
    from catalog.gtin import with_check_digit

    row = {
        "aw_product_id": str(41_000_000_000 + n),
        "merchant_id": "10597",
        "merchant_name": "size?Official DE",
        "product_name": "Salomon XT-6, weiß",
        "brand_name": "Salomon",
        "search_price": "180.00",
        "currency": "EUR",
        "ean": with_check_digit(f"419{n:09d}"),
        "mpn": "L41086600",
        "Fashion:size": f"{40 + n / 2:g}",
        "category_name": "Men's Footwear",
        "colour": "weiß",
        "in_stock": "1",
        "stock_quantity": "4",
        "merchant_deep_link": f"https://www.sizeofficial.de/product/salomon-xt-6/{n}/",
        "aw_deep_link": f"https://www.awin1.com/pclick.php?p={41_000_000_000 + n}&a=1&m=10597",
        "last_updated": "2026-01-15 08:00:00",
    }
    row.update(cells)
    return row


def write_feed(
    path: Path,
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
    wrap: str | None = None,
) -> Path:
    header = header or HEADER
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    data = text.getvalue().encode(encoding)
    if wrap == "gzip":
        path.write_bytes(gzip.compress(data))
    elif wrap == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("feed.csv", data)
    else:
        path.write_bytes(data)
    return path


@pytest.fixture
def charts():
    size_charts_load()


@pytest.fixture
def feed(tmp_path, charts):
    def make(rows: list[dict[str, str]], name: str = "feed.csv", **options) -> Path:
        return write_feed(tmp_path / name, rows, **options)

    return make


def counts(run: ImportRun) -> tuple[int, ...]:
    return (
        run.rows_read,
        run.rows_created,
        run.rows_updated,
        run.rows_unchanged,
        run.rows_skipped,
        run.rows_failed,
    )


# --- the shared sample --------------------------------------------------------------------


def test_the_shared_sample_imports_end_to_end_with_its_counts(charts):
    run = awin_feed_import(path=SAMPLE)
    assert run.status == "succeeded", run.message
    assert counts(run) == (1150, 1150, 0, 0, 0, 0)
    assert AwinProduct.objects.count() == 1150
    # 93 rows have an EAN the catalog does not know and no style code (mpn empty, none at the
    # end of the description): kept raw, reported unmatched, no product guessed for them.
    assert AwinProduct.objects.filter(matched_variant__isnull=True).count() == 93
    assert sum(run.options["unmatched"].values()) == 93
    assert PriceSource.objects.filter(source_type="awin", price_type="retail").count() == 1057
    assert PriceHistory.objects.count() == 1057
    assert Product.objects.count() == 119
    # Five pairs of rows name one product and EU size with two GTINs (13C and 13.5C are both
    # EU 31.5 at this merchant): one variant each, the second row priced on it.
    assert Variant.objects.count() == 1052
    assert run.options["catalog_added"] == {
        "brands": 1,
        "products": 119,
        "sizes": 54,
        "size_reviews": 3,
        "variants": 1052,
    }
    # Jordan kids' EU 22.5, 29 and 30.5 are not on Nike's charts: queued, never guessed.
    reviewed = Size.objects.filter(review__isnull=False)
    assert sorted(size.value for size in reviewed) == ["22.5", "29", "30.5"]
    assert all(size.standardized_value is None and size.brand == Brand.objects.get(slug="jordan") for size in reviewed)
    assert not Size.objects.filter(brand__isnull=True, standardized_value__isnull=True).exists()
    assert run.file_sha256 and run.options["duration_ms"] >= 0


def test_a_pass_is_staged_in_memory_not_in_temp_files():
    # A 50,000-row pass takes ~150 MB of temporary tables; PostgreSQL's default 8 MB of
    # temporary buffers would spill them to temp files read again by every step.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_bytes(current_setting('temp_buffers'))")
        assert cursor.fetchone()[0] >= 256 * 1024 * 1024


def test_importing_the_same_file_twice_changes_nothing_the_second_time(charts):
    awin_feed_import(path=SAMPLE)
    written = {row.pk: row.updated_at for row in AwinProduct.objects.all()}
    prices = {row.pk: row.updated_at for row in PriceSource.objects.all()}
    again = awin_feed_import(path=SAMPLE)
    assert again.status == "succeeded"
    assert counts(again) == (1150, 0, 0, 1150, 0, 0)
    assert again.message.startswith("1,150 read, 0 created, 0 updated, 1,150 unchanged.")
    assert {row.pk: row.updated_at for row in AwinProduct.objects.all()} == written
    assert {row.pk: row.updated_at for row in PriceSource.objects.all()} == prices
    assert PriceHistory.objects.count() == 1057
    # Only the 93 unmatched rows went to the database again, to be matched if they now can.
    assert again.options["rows_staged"] == 93


# --- matching -----------------------------------------------------------------------------


def test_a_row_is_matched_by_its_gtin_first_and_upc_a_finds_the_ean_13(feed):
    variant = make_variant(ean="0036000291452")
    run = awin_feed_import(path=feed([feed_row(1, ean="036000291452", mpn="OTHER-CODE")]))
    assert counts(run) == (1, 1, 0, 0, 0, 0)
    source = PriceSource.objects.get()
    assert (source.product_id, source.size_id, source.price_cents, source.currency) == (
        variant.product_id,
        variant.size_id,
        18000,
        "EUR",
    )
    assert (source.source_type, source.price_type, source.source_product_id) == ("awin", "retail", "41000000001")
    assert AwinProduct.objects.get().matched_variant == variant
    assert Product.objects.count() == 1


def test_without_a_known_gtin_a_row_matches_by_brand_style_code_and_eu_size(feed):
    brand = make_brand(name="Salomon", slug="salomon")
    product = make_product(brand=brand, style_code="L41086600")
    eu_40 = make_size(region="EU", value="40", gender_class="M", standardized_value=Decimal("40"))
    variant = make_variant(product=product, size=eu_40, ean=None)
    # A women's EU 40 of the same shoe is its variant EU 40: the same standardized size.
    run = awin_feed_import(path=feed([feed_row(0, ean="", category_name="Women's Footwear")]))
    assert run.status == "succeeded", run.message
    assert AwinProduct.objects.get().matched_variant == variant
    assert (Product.objects.count(), Variant.objects.count()) == (1, 1)
    assert PriceSource.objects.get().size == eu_40


def test_an_unknown_product_is_created_with_its_brand_size_and_variant(feed):
    user = make_user()
    run = awin_feed_import(path=feed([feed_row(0), feed_row(1)]), acting_user=user)
    assert counts(run) == (2, 2, 0, 0, 0, 0)
    product = Product.objects.get()
    assert (product.brand.name, product.brand.slug, product.style_code, product.name) == (
        "Salomon",
        "salomon",
        "L41086600",
        "Salomon XT-6, weiß",
    )
    assert (product.gender_class, product.colorway, product.created_by) == ("M", "weiß", user)
    variants = Variant.objects.order_by("size__value")
    assert [(v.size.region, v.size.value, v.size.brand, v.size.standardized_value) for v in variants] == [
        ("EU", "40", None, Decimal("40.0")),
        ("EU", "40.5", None, Decimal("40.5")),
    ]
    assert [v.ean for v in variants] == [feed_row(0)["ean"], feed_row(1)["ean"]]
    assert PriceSource.objects.filter(created_by=user).count() == 2


def test_a_row_that_cannot_create_its_product_is_kept_raw_and_reported_unmatched(feed):
    run = awin_feed_import(path=feed([feed_row(0, mpn=""), feed_row(1, **{"Fashion:size": "XL"})]))
    assert counts(run) == (2, 2, 0, 0, 0, 0)
    assert not AwinProduct.objects.filter(matched_variant__isnull=False).exists()
    assert not PriceSource.objects.exists() and not Product.objects.exists()
    assert run.options["unmatched"] == {
        "GTIN missing or not in the catalog, and no style code (mpn) to find or create the product": 1,
        "GTIN missing or not in the catalog, and the size is not a shoe size": 1,
    }
    assert "2 kept without a catalog match" in run.message


def test_a_previously_unmatched_row_matches_once_its_variant_exists(feed):
    path = feed([feed_row(0, mpn="")])
    awin_feed_import(path=path)
    variant = make_variant(ean=feed_row(0)["ean"])
    run = awin_feed_import(path=path)
    assert counts(run) == (1, 1, 0, 0, 0, 0)  # its price is new
    assert AwinProduct.objects.get().matched_variant == variant
    assert PriceSource.objects.get().product == variant.product


def test_a_size_the_charts_cannot_place_goes_to_review_never_a_guess(feed):
    row = feed_row(0, brand_name="Jordan", mpn="DM0967-101", category_name="Children's Footwear")
    row["Fashion:size"] = "30.5"
    run = awin_feed_import(path=feed([row]))
    assert run.status == "succeeded"
    size = Variant.objects.get().size
    assert (size.brand, size.region, size.value, size.standardized_value) == (
        Brand.objects.get(slug="jordan"),
        "EU",
        "30.5",
        None,
    )
    review = SizeReview.objects.get()
    assert (review.size, review.status, review.outcome) == (size, "open", "unknown")
    assert "not on the nike EU chart" in review.reason
    assert PriceSource.objects.get().size == size


# --- bad rows -----------------------------------------------------------------------------


def test_one_bad_row_fails_the_run_with_every_error_listed_and_nothing_written(feed):
    rows = [feed_row(0), feed_row(1, search_price="abc"), feed_row(2, ean="4006381333932", in_stock="maybe")]
    run = awin_feed_import(path=feed(rows))
    assert run.status == "failed"
    assert counts(run) == (3, 0, 0, 0, 0, 2)
    assert [(e["line"], e["column"]) for e in run.errors] == [(3, "search_price"), (4, "ean"), (4, "in_stock")]
    assert run.message.startswith("2 bad row(s); nothing was written. The first: feed.csv, line 3")
    assert not AwinProduct.objects.exists() and not PriceSource.objects.exists()
    assert not Product.objects.exists() and not Brand.objects.filter(slug="salomon").exists()
    report = import_run_errors_csv(run).splitlines()
    assert report[0] == "file,line,column,reason"
    assert report[1].startswith('feed.csv,3,search_price,"""abc"" is not an amount')


def test_skip_bad_rows_writes_the_good_rows_and_reports_the_bad_ones(feed):
    rows = [feed_row(0), feed_row(1, search_price="abc"), feed_row(2), feed_row(3, aw_product_id="41000000000")]
    run = awin_feed_import(path=feed(rows), skip_bad_rows=True)
    assert run.status == "partial"
    assert counts(run) == (4, 2, 0, 0, 2, 0)
    assert [(e["line"], e["column"]) for e in run.errors] == [(3, "search_price"), (5, "aw_product_id")]
    assert "appears on an earlier line" in run.errors[1]["message"]
    assert AwinProduct.objects.count() == 2 and PriceSource.objects.count() == 2


@pytest.mark.parametrize("price", ["99999999999.99", "21474836.48", "EUR 30.000.000,00"])
def test_a_price_above_what_a_price_column_holds_is_a_bad_row_not_a_failed_copy(feed, price):
    run = awin_feed_import(path=feed([feed_row(0), feed_row(1, search_price=price)]), skip_bad_rows=True)
    assert run.status == "partial"
    assert [(e["line"], e["column"]) for e in run.errors] == [(3, "search_price")]
    assert "is above the largest price held, €21,474,836.47" in run.errors[0]["message"]
    assert PriceSource.objects.count() == 1


def test_a_row_with_the_wrong_number_of_fields_is_a_bad_row_naming_its_line(feed, tmp_path):
    path = feed([feed_row(0), feed_row(1)])
    text = path.read_text().splitlines()
    text.insert(2, "41000000099,10597,oops")
    path.write_text("\r\n".join(text) + "\r\n")
    run = awin_feed_import(path=path, skip_bad_rows=True)
    assert counts(run) == (3, 2, 0, 0, 1, 0)
    assert run.errors[0]["line"] == 3 and "expected 17 fields" in run.errors[0]["message"]


def test_a_dry_run_counts_everything_and_writes_nothing(feed):
    run = awin_feed_import(path=feed([feed_row(0), feed_row(1)]), dry_run=True)
    assert run.status == "succeeded"
    assert counts(run) == (2, 2, 0, 0, 0, 0)
    assert run.message.endswith("Dry run: nothing was written.")
    assert not AwinProduct.objects.exists() and not Product.objects.exists() and not PriceSource.objects.exists()


# --- files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "encoding", "wrap", "name"),
    [
        (";", "cp1252", None, "feed.csv"),
        ("\t", "utf-8-sig", "gzip", "feed.csv.gz"),
        ("|", "utf-8", "zip", "feed.zip"),
        (",", "latin-1", "gzip", "feed.csv.gz"),
    ],
)
def test_feeds_in_any_delimiter_encoding_and_wrapper_import_alike(feed, delimiter, encoding, wrap, name):
    path = feed([feed_row(0), feed_row(1)], name=name, delimiter=delimiter, encoding=encoding, wrap=wrap)
    run = awin_feed_import(path=path)
    assert run.status == "succeeded", run.message
    assert counts(run) == (2, 2, 0, 0, 0, 0)
    assert Product.objects.get().name == "Salomon XT-6, weiß"


def test_any_subset_of_columns_in_any_order_is_read(feed):
    header = ["display_price", "Fashion:size", "mpn", "brand_name", "product_name", "aw_product_id", "EAN"]
    row = feed_row(0, display_price="EUR175.50", EAN=feed_row(0)["ean"])
    run = awin_feed_import(path=feed([row], header=header), merchant="10597")
    assert run.status == "succeeded", run.message
    source = PriceSource.objects.get()
    assert (source.price_cents, source.currency, source.source_name) == (17550, "EUR", "Awin merchant 10597")


def test_a_file_missing_a_required_column_is_refused_naming_it(feed):
    header = [column for column in HEADER if column != "aw_product_id"]
    run = awin_feed_import(path=feed([feed_row(0)], header=header))
    assert run.status == "failed"
    assert 'missing required column "aw_product_id"' in run.message
    assert run.errors == [{"line": 1, "column": None, "message": 'missing required column "aw_product_id"'}]
    assert not AwinProduct.objects.exists()


def test_a_feed_without_merchant_id_needs_the_merchant_option(feed):
    header = [column for column in HEADER if column != "merchant_id"]
    path = feed([feed_row(0)], header=header)
    refused = awin_feed_import(path=path)
    assert refused.status == "failed" and "--merchant" in refused.message
    run = awin_feed_import(path=path, merchant="10597")
    assert run.status == "succeeded" and AwinProduct.objects.get().merchant_id == "10597"


def test_a_merchant_option_that_is_not_an_id_is_refused(feed):
    run = awin_feed_import(path=feed([feed_row(0)]), merchant="size?")
    assert run.status == "failed" and "is not an Awin merchant id" in run.message


def test_a_truncated_gzip_file_is_refused_and_nothing_is_written(feed):
    path = feed([feed_row(n) for n in range(200)], name="feed.csv.gz", wrap="gzip")
    path.write_bytes(path.read_bytes()[:-200])
    run = awin_feed_import(path=path)
    assert run.status == "failed" and "damaged or truncated" in run.message
    assert not AwinProduct.objects.exists()


def test_an_upload_keeps_its_own_name_in_messages_and_the_run(feed):
    run = awin_feed_import(path=feed([feed_row(0, ean="123")], name="tmp8f3k.upload"), display_name="juli.csv")
    assert run.file_name == "juli.csv"
    assert run.message.startswith("1 bad row(s); nothing was written. The first: juli.csv, line 2")


# --- re-imports and prices ----------------------------------------------------------------


def test_a_changed_price_updates_its_price_source_and_writes_one_history_row(feed):
    awin_feed_import(path=feed([feed_row(0), feed_row(1)]))
    run = awin_feed_import(path=feed([feed_row(0, search_price="150.00"), feed_row(1)]))
    assert counts(run) == (2, 0, 1, 1, 0, 0)
    changed = PriceSource.objects.get(source_product_id="41000000000")
    assert changed.price_cents == 15000
    history = PriceHistory.objects.filter(price_source_id=changed.pk).order_by("recorded_at")
    assert [(h.old_price_cents, h.new_price_cents) for h in history] == [(None, 18000), (18000, 15000)]
    assert AwinProduct.objects.get(aw_product_id="41000000000").import_run == run


def test_a_change_outside_the_price_updates_the_raw_row_but_writes_no_history(feed):
    awin_feed_import(path=feed([feed_row(0)]))
    run = awin_feed_import(path=feed([feed_row(0, colour="weiß/grau")]))
    assert counts(run) == (1, 0, 1, 0, 0, 0)
    assert AwinProduct.objects.get().raw["colour"] == "weiß/grau"
    assert PriceHistory.objects.count() == 1


def test_going_out_of_stock_is_a_change_with_history(feed):
    awin_feed_import(path=feed([feed_row(0)]))
    awin_feed_import(path=feed([feed_row(0, in_stock="0", stock_quantity="0")]))
    source = PriceSource.objects.get()
    assert (source.in_stock, source.stock_quantity) == (False, 0)
    assert PriceHistory.objects.filter(in_stock=False).count() == 1


def test_a_re_import_sends_only_new_and_changed_rows_to_the_database(feed):
    awin_feed_import(path=feed([feed_row(n) for n in range(4)]))
    rows = [feed_row(0), feed_row(1, search_price="99.00"), feed_row(2), feed_row(3), feed_row(4)]
    run = awin_feed_import(path=feed(rows, name="next.csv"))
    assert counts(run) == (5, 1, 1, 3, 0, 0)
    assert run.options["rows_staged"] == 2


def test_the_same_rows_with_their_columns_reordered_are_unchanged(feed):
    rows = [feed_row(0), feed_row(1)]
    awin_feed_import(path=feed(rows))
    run = awin_feed_import(path=feed(rows, name="again.csv", header=list(reversed(HEADER))))
    assert counts(run) == (2, 0, 0, 2, 0, 0)


def test_the_raw_row_keeps_every_non_empty_cell_as_the_feed_wrote_it(feed):
    awin_feed_import(path=feed([feed_row(0, stock_quantity="")]))
    raw = AwinProduct.objects.get().raw
    assert raw["Fashion:size"] == "40" and raw["search_price"] == "180.00"
    assert "stock_quantity" not in raw


def test_the_merchant_maps_to_its_supplier(feed):
    supplier = make_supplier(name="size? DE", awin_merchant_id="10597")
    awin_feed_import(path=feed([feed_row(0, merchant_name="")]))
    source = PriceSource.objects.get()
    assert (source.supplier, source.source_name) == (supplier, "size? DE")


def test_progress_is_reported_with_rows_and_bytes(feed):
    seen: list[ImportProgress] = []
    path = feed([feed_row(n) for n in range(3)])
    awin_feed_import(path=path, progress=seen.append)
    assert seen and seen[-1].rows == 3 and seen[-1].bytes_total == path.stat().st_size
    assert {progress.phase for progress in seen} <= {"reading", "writing"}


def test_the_import_is_recorded_as_the_acting_users(feed):
    user = make_user()
    run = awin_feed_import(path=feed([feed_row(0)]), acting_user=user)
    assert run.user == user
    assert (AwinProduct.objects.get().import_run, Variant.objects.get().created_by) == (run, user)


@pytest.fixture
def parsed_lines(monkeypatch) -> list[int]:
    """The lines the pre-parser splits into cells from now on (a Row is built for each)."""
    from soleflip.tabular import reader as tabular

    lines: list[int] = []
    real_row = tabular.Row

    def counting_row(line: int, items=(), text: str = "") -> tabular.Row:
        lines.append(line)
        return real_row(line, items, text)

    monkeypatch.setattr(tabular, "Row", counting_row)
    return lines


def test_unchanged_lines_of_a_re_import_are_recognized_without_parsing(feed, parsed_lines):
    awin_feed_import(path=feed([feed_row(n) for n in range(4)]))
    parsed_lines.clear()
    rows = [feed_row(0), feed_row(1, search_price="99.00"), feed_row(2), feed_row(3)]
    run = awin_feed_import(path=feed(rows, name="next.csv"))
    assert counts(run) == (4, 0, 1, 3, 0, 0)
    # Split into cells: the first row (read to learn the feed's merchant) and the changed one.
    assert parsed_lines == [2, 3]


def test_a_repeated_unchanged_line_is_still_a_duplicate_naming_its_line(feed):
    awin_feed_import(path=feed([feed_row(0), feed_row(1)]))
    run = awin_feed_import(path=feed([feed_row(0), feed_row(1), feed_row(0)], name="twice.csv"))
    assert run.status == "failed"
    assert [(e["line"], e["column"]) for e in run.errors] == [(4, "aw_product_id")]
    assert "appears on an earlier line" in run.errors[0]["message"]


def test_a_changed_row_repeating_an_unchanged_rows_id_is_a_duplicate(feed):
    awin_feed_import(path=feed([feed_row(0), feed_row(1)]))
    run = awin_feed_import(path=feed([feed_row(0), feed_row(1), feed_row(0, search_price="1.00")], name="b.csv"))
    assert run.status == "failed"
    assert [(e["line"], e["column"]) for e in run.errors] == [(4, "aw_product_id")]


def test_a_bad_row_after_unchanged_ones_is_reported_at_its_own_line(feed):
    awin_feed_import(path=feed([feed_row(n) for n in range(3)]))
    run = awin_feed_import(
        path=feed([feed_row(0), feed_row(1), feed_row(2), feed_row(3, currency="EURO")], name="c.csv")
    )
    assert run.status == "failed"
    assert [(e["line"], e["column"]) for e in run.errors] == [(5, "currency")]


def test_progress_moves_while_unchanged_lines_are_skipped(feed, monkeypatch):
    from pricing.awin import pipeline

    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    rows = [feed_row(n) for n in range(7)]
    awin_feed_import(path=feed(rows))
    seen: list[ImportProgress] = []
    run = awin_feed_import(path=feed(rows, name="again.csv"), progress=seen.append)
    assert counts(run) == (7, 0, 0, 7, 0, 0)
    reading = [progress.rows for progress in seen if progress.phase == "reading"]
    assert reading == sorted(reading) and reading[0] < 7 and reading[-1] == 7


def test_rows_whose_id_is_not_a_plain_number_are_parsed_and_still_found_unchanged(feed, parsed_lines):
    rows = [feed_row(0), feed_row(1, aw_product_id="0041000000001"), feed_row(2, aw_product_id="AW-2"), feed_row(3)]
    awin_feed_import(path=feed(rows))
    parsed_lines.clear()
    run = awin_feed_import(path=feed(rows, name="again.csv"))
    assert counts(run) == (4, 0, 0, 4, 0, 0)
    # The database's "plain number" is numeric_id's: "0041..." and "AW-2" stay text, so their
    # lines are parsed (and found unchanged by their fingerprint); line 5 is skipped unparsed.
    assert parsed_lines == [2, 3, 4]
