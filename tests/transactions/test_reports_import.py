"""Importing platform sales reports as orders: matching, fees, the review queue, bad input, idempotency."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from catalog.models import Brand, Inventory, Product, Size
from catalog.services import size_charts_load
from pricing.models import ImportRun
from tests.factories import (
    make_brand,
    make_fee_schedule,
    make_inventory,
    make_listing,
    make_platform,
    make_product,
    make_size,
    make_user,
)
from tests.transactions.test_reports import INVOICE_HEADER, SAMPLE_2019_HEADER
from transactions.models import Listing, Order, UnmatchedSale
from transactions.sales_import.formats import ALIAS_SALES, EBAY_ORDERS, FORMATS
from transactions.sales_import.importer import UnknownPlatform, sales_report_import

pytestmark = pytest.mark.django_db

# --------------------------------------------------------------------------- helpers

PERSONAL = {
    "Seller Name": "Erika Mustermann",
    "Seller Address (Billing)": "Erika Mustermann Heidestrasse 17 Koeln 51147 DE",
    "Seller VAT Number": "DE999999999",
    "Ship From Address": "Erika Mustermann Heidestrasse 17 Koeln 51147 DE",
    "Ship To Address": "StockX MP NL B.V. Veldhoven 5503 LS NL",
    "Buyer Destination City": "Morteau",
    "Seller Tracking Number": "1Z842FX49148529088",
    "Buyer Tracking Number": "5115152453",
}


def invoice_row(**values: str) -> dict[str, str]:
    """One StockX invoice report row: the Dunk Low in US 10.5 for €189, unless told otherwise."""
    row = {
        **PERSONAL,
        "Sold To Name": "StockX LLC",
        "Invoice Number": "25151586-39124280",
        "Item": "Nike Dunk Low Retro White Black",
        "Sku Name": "Retro White Black",
        "Sku Size": "10.5",
        "Style": "DD1391-100",
        "Order Number": "39224521-39124280",
        "Sale Date": "2024-07-07 21:40:06 +00",
        "Buyer Destination Country": "France",
        "Quantity": "1",
        "Seller Fee": "12.29",
        "Seller Fee Currency": "EUR",
        "Payment Processing": "5.67",
        "Payment Processing Currency": "EUR",
        "Shipping Fee": "",
        "Shipping Fee Currency": "EUR",
        "Total Net Amount (Payout Excluding VAT)": "171.05",
        "Total Net Amount (Payout Excluding VAT) Currency": "EUR",
        "Listing Price": "189",
        "Listing Price Currency": "EUR",
        "Total Gross Amount (Total Payout)": "171.05",
        "Total Gross Amount (Total Payout) Currency": "EUR",
        "Payout ID": "0",
    }
    return row | {key.replace("_", " "): value for key, value in values.items()}


def write_csv(
    path: Path,
    header: Iterable[str],
    rows: Iterable[Mapping[str, str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    columns = list(header)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_invoice(path: Path, *rows: dict[str, str]) -> Path:
    return write_csv(path, INVOICE_HEADER, rows)


HISTORICAL = ["Order Number", "Sale Date", "Item", "Style", "Size", "Listing Price", "Payout"]


def historical_row(number: str, size: str, price: str = "€200", payout: str = "€170", **values: str) -> dict[str, str]:
    row = {
        "Order Number": number,
        "Sale Date": "2024-05-02 10:00:00",
        "Item": "Nike Dunk Low Retro",
        "Style": "DD1391-100",
        "Size": size,
        "Listing Price": price,
        "Payout": payout,
    }
    return row | {key.replace("_", " "): value for key, value in values.items()}


def snapshot(sql: Any) -> dict[str, list[str]]:
    """Every row of the tables an import writes, as JSON text."""
    tables = ("orders", "inventory", "listings", "unmatched_sales")
    return {table: sorted(row[0] for row in sql(f"SELECT row_to_json(t)::text FROM {table} t")) for table in tables}


#: The pairs of these tests were bought before the oldest sale of the reports (2017): a pair
#: is never matched to a sale dated before its purchase.
BOUGHT_BEFORE = dt.datetime(2017, 1, 1, tzinfo=dt.UTC)


def pair(product: Product, size: Size | None, *, days_ago: int = 30, **kw: Any) -> Inventory:
    return make_inventory(product=product, size=size, purchased_at=BOUGHT_BEFORE - dt.timedelta(days=days_ago), **kw)


def make_shop() -> SimpleNamespace:
    """Platforms with fee schedules, the brand size charts, a Dunk Low and EU sizes (no stock yet)."""
    size_charts_load()
    platforms = {
        code: make_platform(code=code, name=code.title(), default_currency=currency)
        for code, currency in (("stockx", "EUR"), ("goat", "USD"), ("alias", "USD"), ("ebay", "EUR"))
    }
    since = dt.date(2017, 1, 1)
    make_fee_schedule(platform=platforms["stockx"], valid_from=since, transaction_fee_bps=900, minimum_fee_cents=500)
    make_fee_schedule(
        platform=platforms["alias"],
        valid_from=since,
        transaction_fee_bps=950,
        processing_fee_bps=290,
        fixed_fee_cents=500,
        currency="USD",
    )
    make_fee_schedule(
        platform=platforms["ebay"], valid_from=since, transaction_fee_bps=800, processing_fee_bps=0, fixed_fee_cents=35
    )
    nike = Brand.objects.get(slug="nike")
    sizes = {
        value: make_size(region="EU", value=value, gender_class="M", standardized_value=Decimal(value))
        for value in ("36.5", "39", "40", "42.5", "44.5")
    }
    dunk = make_product(brand=nike, name="Nike Dunk Low Retro", style_code="DD1391-100")
    return SimpleNamespace(**platforms, nike=nike, dunk=dunk, sizes=sizes)


@pytest.fixture
def shop() -> SimpleNamespace:
    return make_shop()


def import_report(path: Path, platform: str = "stockx", **options: Any) -> ImportRun:
    return sales_report_import(path=path, platform_code=platform, **options)


# --------------------------------------------------------------------------- StockX invoice report


def test_an_invoice_sale_becomes_an_order_on_the_oldest_unsold_pair_with_the_reports_fees(shop, tmp_path):
    older = pair(shop.dunk, shop.sizes["44.5"], days_ago=60, status="listed")
    newer = pair(shop.dunk, shop.sizes["44.5"], days_ago=5)
    other_size = pair(shop.dunk, shop.sizes["42.5"], days_ago=90)
    on_stockx = make_listing(inventory=older, platform=shop.stockx, listed_at=timezone.now())
    on_goat = make_listing(inventory=older, platform=shop.goat)

    run = import_report(write_invoice(tmp_path / "invoice.csv", invoice_row()))

    assert (run.status, run.rows_read, run.rows_created, run.errors) == ("succeeded", 1, 1, [])
    order = Order.objects.get()
    assert (order.inventory, order.platform, order.listing, order.external_order_number) == (
        older,
        shop.stockx,
        on_stockx,
        "39224521-39124280",
    )
    assert order.sold_at == dt.datetime(2024, 7, 7, 21, 40, 6, tzinfo=dt.UTC)
    assert (order.sale_price_cents, order.currency, order.status) == (18900, "EUR", "completed")
    assert (order.platform_fee_cents, order.processing_fee_cents, order.shipping_cost_cents) == (1229, 567, 0)
    # The payout is what was paid: 189.00 - 12.29 - 5.67 is 171.04, StockX paid 171.05.
    assert (order.net_proceeds_cents, order.other_costs_cents) == (17105, 0)
    assert (order.payout_currency, order.payout_fx_rate, order.fee_schedule) == ("EUR", Decimal("1"), None)
    assert Inventory.objects.get(pk=older.pk).status == "sold"
    assert {Inventory.objects.get(pk=p.pk).status for p in (newer, other_size)} == {"available"}
    on_stockx.refresh_from_db()
    assert (on_stockx.status, on_stockx.ended_at) == ("sold", order.sold_at)
    assert Listing.objects.get(pk=on_goat.pk).status == "ended"  # a sold pair is offered nowhere else


def test_what_the_invoice_fees_do_not_explain_is_kept_as_other_costs(shop, tmp_path):
    # StockX leaves the minimum seller fee out of "Seller Fee": 117 - 3.51 = 113.49, paid 105.49.
    pair(shop.dunk, shop.sizes["42.5"])
    row = invoice_row(
        Sku_Size="9",
        Seller_Fee="",
        Seller_Fee_Currency="N/A",
        Payment_Processing="3.51",
        Listing_Price="117",
        **{"Total Net Amount (Payout Excluding VAT)": "105.49"},
    )
    run = import_report(write_invoice(tmp_path / "invoice.csv", row))
    order = Order.objects.get()
    assert run.status == "succeeded"
    assert (order.platform_fee_cents, order.processing_fee_cents, order.other_costs_cents) == (0, 351, 800)
    assert order.net_proceeds_cents == 10549


def test_personal_columns_of_the_invoice_report_are_stored_nowhere(shop, tmp_path, sql):
    pair(shop.dunk, shop.sizes["44.5"])
    rows = [
        invoice_row(),
        invoice_row(Order_Number="2-2", Style="FZ5808-001"),  # not in the catalog: review queue
        invoice_row(Order_Number="3-3", Listing_Price="1,2,3"),  # a bad row, reported in the run
    ]
    run = import_report(write_invoice(tmp_path / "invoice.csv", *rows), skip_bad_rows=True)
    assert (run.status, run.rows_created, run.rows_skipped) == ("partial", 2, 1)
    stored = " ".join(
        row[0]
        for table in ("orders", "unmatched_sales", "import_runs", "inventory", "listings")
        for row in sql(f"SELECT row_to_json(t)::text FROM {table} t")
    )
    for value in PERSONAL.values():
        assert value not in stored
    assert "Mustermann" not in stored and "DE999999999" not in stored


def test_importing_the_same_report_twice_changes_nothing_the_second_time(shop, tmp_path, sql):
    pair(shop.dunk, shop.sizes["44.5"])
    pair(shop.dunk, shop.sizes["42.5"])
    path = write_invoice(
        tmp_path / "invoice.csv",
        invoice_row(),
        invoice_row(Order_Number="2-2", Sku_Size="9"),
        invoice_row(Order_Number="3-3", Style="FZ5808-001"),
    )
    first = import_report(path)
    assert (first.rows_created, first.options["outcome"]["sent_to_review"]) == (3, 1)
    before = snapshot(sql)

    second = import_report(path)

    assert snapshot(sql) == before
    assert (second.status, second.rows_read, second.rows_created, second.rows_updated) == ("succeeded", 3, 0, 0)
    assert second.rows_unchanged == 3
    assert (Order.objects.count(), UnmatchedSale.objects.count()) == (2, 1)
    assert second.message.endswith(
        "0 order(s) created, 0 updated, 2 unchanged, 0 sale(s) sent to the review queue, 1 already there."
    )


def test_an_order_number_already_present_updates_that_order_and_sells_no_other_pair(shop, tmp_path):
    sold = pair(shop.dunk, shop.sizes["44.5"], days_ago=60)
    spare = pair(shop.dunk, shop.sizes["44.5"], days_ago=10)
    user = make_user()
    import_report(write_invoice(tmp_path / "first.csv", invoice_row()))
    order = Order.objects.get()
    created_at = order.updated_at

    corrected = invoice_row(Listing_Price="199", **{"Total Net Amount (Payout Excluding VAT)": "181.05"})
    run = import_report(write_invoice(tmp_path / "second.csv", corrected), acting_user=user)

    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 1, 0)
    order.refresh_from_db()
    assert (order.sale_price_cents, order.net_proceeds_cents, order.inventory) == (19900, 18105, sold)
    assert (order.updated_by, order.created_by) == (user, None)
    assert order.updated_at > created_at
    assert Inventory.objects.get(pk=spare.pk).status == "available"
    assert Order.objects.count() == 1


def test_an_order_number_that_passes_the_card_check_digit_is_still_an_order_number(shop, tmp_path):
    pair(shop.dunk, shop.sizes["44.5"])
    path = write_invoice(tmp_path / "invoice.csv", invoice_row(Order_Number="39224521-39124285"))
    run = import_report(path)
    assert (run.status, Order.objects.get().external_order_number) == ("succeeded", "39224521-39124285")


def test_the_acting_user_is_recorded_on_orders_pairs_listings_and_queued_sales(shop, tmp_path):
    item = pair(shop.dunk, shop.sizes["44.5"])
    listing = make_listing(inventory=item, platform=shop.stockx)
    user = make_user()
    path = write_invoice(tmp_path / "invoice.csv", invoice_row(), invoice_row(Order_Number="2-2", Style="X-1"))
    run = import_report(path, acting_user=user)
    assert run.user == user
    order = Order.objects.get()
    assert (order.created_by, order.updated_by) == (user, user)
    assert Inventory.objects.get(pk=item.pk).updated_by == user
    assert Listing.objects.get(pk=listing.pk).updated_by == user
    assert UnmatchedSale.objects.get().created_by == user


# --------------------------------------------------------------------------- the review queue


def test_a_sale_of_an_unknown_style_goes_to_the_review_queue_once(shop, tmp_path):
    path = write_invoice(tmp_path / "invoice.csv", invoice_row(Style="FZ5808-001", Item="Nike Dunk Low Vast Grey"))
    run = import_report(path)
    entry = UnmatchedSale.objects.get()
    assert (entry.platform, entry.external_order_number, entry.status) == (shop.stockx, "39224521-39124280", "open")
    assert entry.reason == 'no product in the catalog has style code "FZ5808-001"'
    assert (entry.product_name, entry.size_label, entry.sale_price_cents, entry.currency) == (
        "Nike Dunk Low Vast Grey",
        "10.5",
        18900,
        "EUR",
    )
    assert (entry.platform_fee_cents, entry.processing_fee_cents, entry.payout_cents) == (1229, 567, 17105)
    assert (entry.run, entry.line) == (run, 2)
    assert not Order.objects.exists()

    again = import_report(path)
    assert UnmatchedSale.objects.count() == 1
    assert (again.rows_created, again.rows_unchanged) == (0, 1)
    assert UnmatchedSale.objects.get().run == run  # nothing changed, not even the run it points to


def test_a_queued_sale_becomes_an_order_when_a_later_import_finds_its_pair(shop, tmp_path):
    path = write_invoice(tmp_path / "invoice.csv", invoice_row())
    import_report(path)
    entry = UnmatchedSale.objects.get()
    assert entry.reason.startswith("no unsold pair of Nike Dunk Low Retro (DD1391-100) in size")
    item = pair(shop.dunk, shop.sizes["44.5"])  # the pair is booked in later

    run = import_report(path)

    order = Order.objects.get()
    entry.refresh_from_db()
    assert (run.rows_created, order.inventory) == (1, item)
    assert (entry.status, entry.order) == ("resolved", order)
    assert entry.resolved_at is not None


def test_a_queued_sale_closed_by_staff_stays_closed_on_reimport(shop, tmp_path):
    path = write_invoice(tmp_path / "invoice.csv", invoice_row())
    import_report(path)
    UnmatchedSale.objects.update(status="resolved", resolved_at=timezone.now())
    pair(shop.dunk, shop.sizes["44.5"])
    run = import_report(path)
    assert (run.rows_unchanged, Order.objects.count()) == (1, 0)


def test_a_style_code_two_products_share_goes_to_review(shop, tmp_path):
    adidas = Brand.objects.get(slug="adidas")
    make_product(brand=adidas, name="Same code, other brand", style_code="dd1391 100")
    pair(shop.dunk, shop.sizes["44.5"])
    import_report(write_invoice(tmp_path / "invoice.csv", invoice_row()))
    assert not Order.objects.exists()
    reason = UnmatchedSale.objects.get().reason
    assert reason.startswith('2 products have style code "DD1391-100"')
    assert reason.endswith("which one sold is for staff to decide")


def test_an_ambiguous_size_goes_to_review_naming_why(shop, tmp_path):
    # On Nike's men's chart UK 6 is EU 39 and EU 40: the label alone does not say which pair.
    pair(shop.dunk, shop.sizes["39"])
    pair(shop.dunk, shop.sizes["40"])
    import_report(write_csv(tmp_path / "sales.csv", HISTORICAL, [historical_row("A-1", "UK 6")]))
    reason = UnmatchedSale.objects.get().reason
    assert reason.startswith('no unsold pair of Nike Dunk Low Retro (DD1391-100) in size "UK 6" as written')
    assert "UK 6 is on the nike M chart 2 times: M EU 39, M EU 40" in reason


def test_sizes_match_by_eu_size_whatever_the_label_says(shop, tmp_path):
    by_size = {value: pair(shop.dunk, size) for value, size in shop.sizes.items()}
    rows = [
        historical_row("A-1", "UK 6 (EU 39)"),
        historical_row("A-2", "10.5"),
        historical_row("A-3", "US M 9"),
        historical_row("A-4", "CM 23.5 (US M 4.5)"),
    ]
    run = import_report(write_csv(tmp_path / "sales.csv", HISTORICAL, rows))
    assert run.rows_created == 4
    sold = dict(Order.objects.values_list("external_order_number", "inventory"))
    assert sold == {
        "A-1": by_size["39"].pk,
        "A-2": by_size["44.5"].pk,
        "A-3": by_size["42.5"].pk,
        "A-4": by_size["36.5"].pk,
    }


def test_a_size_no_chart_decides_matches_a_pair_stored_under_the_same_label(shop, tmp_path):
    brand = make_brand(name="Salomon", slug="salomon")  # no size chart
    shoe = make_product(brand=brand, name="Salomon XT-6", style_code="L41086600")
    us_9 = make_size(brand=brand, region="US", value="9", gender_class="M")
    item = pair(shoe, us_9)
    run = import_report(write_csv(tmp_path / "sales.csv", HISTORICAL, [historical_row("A-1", "9", Style="L41086600")]))
    assert run.rows_created == 1
    assert Order.objects.get().inventory == item


def test_a_sale_without_a_size_matches_a_pair_without_one(shop, tmp_path):
    book = make_product(brand=make_brand(), name="Sneaker Freaker. The Ultimate Sneaker Book", style_code="")
    item = pair(book, None)
    row = invoice_row(Style="N/A", Sku_Size="N/A", Item="Sneaker Freaker. The Ultimate Sneaker Book")
    run = import_report(write_invoice(tmp_path / "invoice.csv", row))
    assert run.rows_created == 1
    assert Order.objects.get().inventory == item  # no style code: matched by the product name


# --------------------------------------------------------------------------- fees, currencies, FX


def test_an_alias_report_matches_style_codes_written_with_spaces_and_takes_fees_from_the_schedule(shop, tmp_path):
    item = pair(shop.dunk, shop.sizes["44.5"])
    row = {
        "USERNAME": "seller123",
        "ORDER_NUMBER": "586612181",
        "SKU": "dd1391 100",
        "SIZE": "10.5",
        "NAME": "Dunk Low 'Black White'",
        "PRODUCT_PRICE_CENTS_SALE_PRICE": "138",
        "CREDIT_DATE": "20/12/24",
        "PURCHASED_DATE": "18/12/24",
    }
    run = import_report(write_csv(tmp_path / "alias.csv", ALIAS_SALES.all_columns, [row]), platform="alias")
    assert (run.status, run.rows_created) == ("succeeded", 1)
    order = Order.objects.get()
    assert order.inventory == item
    # $138: 9.5% is 13.11 plus $5 fixed; 2.9% processing is 4.00.
    assert (order.sale_price_cents, order.currency) == (13800, "USD")
    assert (order.platform_fee_cents, order.processing_fee_cents, order.net_proceeds_cents) == (1811, 400, 11589)
    assert order.fee_schedule is not None and order.fee_schedule.platform == shop.alias
    assert (order.payout_currency, order.payout_fx_rate) == ("USD", Decimal("1"))
    assert "seller123" not in str(run.errors) + run.message


def test_a_report_without_fees_is_refused_when_no_fee_schedule_applies(shop, tmp_path):
    pair(shop.dunk, shop.sizes["44.5"])
    row = {"ORDER_NUMBER": "1", "SKU": "DD1391-100", "SIZE": "10.5", "NAME": "Dunk", "PURCHASED_DATE": "18/12/24"}
    path = write_csv(tmp_path / "goat.csv", ALIAS_SALES.all_columns, [row | {"PRODUCT_PRICE_CENTS_SALE_PRICE": "138"}])
    run = import_report(path, platform="goat")
    assert run.status == "failed"
    assert run.errors == [
        {
            "line": 2,
            "column": "PURCHASED_DATE",
            "message": "the report states no fees and Goat has no fee schedule for region EU, level 1 on 2024-12-18: "
            "add the fee schedule, then import again",
        }
    ]
    assert not Order.objects.exists()


def test_a_payout_in_another_currency_gives_the_fx_rate_at_payout(shop, tmp_path):
    pair(shop.dunk, shop.sizes["44.5"])
    header = [*HISTORICAL, "Seller Fee", "Payment Processing"]
    row = historical_row(
        "A-1", "10.5", price="$732", payout="€600,00", Seller_Fee="$65.88", Payment_Processing="$21.96"
    )
    run = import_report(write_csv(tmp_path / "sales.csv", header, [row]))
    assert run.status == "succeeded", run.errors
    order = Order.objects.get()
    assert (order.sale_price_cents, order.currency, order.payout_currency) == (73200, "USD", "EUR")
    # 732.00 - 65.88 - 21.96 = 644.16 USD became 600.00 EUR.
    assert order.net_proceeds_cents == 64416
    assert order.payout_fx_rate == Decimal("0.931446")


def test_an_ebay_order_reads_its_size_from_variation_details_and_is_pending(shop, tmp_path):
    item = pair(shop.dunk, shop.sizes["44.5"])
    row = {
        "Order Number": "12-34567-89012",
        "Buyer Name": "Max Mustermann",
        "Sale Date": "Mar-14-24",
        "Item Title": "Nike Dunk Low Panda",
        "Custom Label": "DD1391-100",
        "Variation Details": "EU Shoe Size:44,5",
        "Sold For": "EUR 129,95",
        "Quantity": "1",
    }
    run = import_report(write_csv(tmp_path / "ebay.csv", EBAY_ORDERS.all_columns, [row]), platform="ebay")
    assert run.status == "succeeded", run.errors
    order = Order.objects.get()
    assert (order.inventory, order.status, order.sale_price_cents) == (item, "pending", 12995)
    assert (order.platform_fee_cents, order.net_proceeds_cents) == (1075, 11920)  # 8% + 0.35


# --------------------------------------------------------------------------- the 2019 StockX sample


def sample_row(**values: str) -> dict[str, str]:
    row = {
        "Order Date": "9/1/17",
        "Brand": " Yeezy",
        "Sneaker Name": "Adidas-Yeezy-Boost-350-Low-V2-Beluga",
        "Sale Price": "$1,097",
        "Retail Price": "$220",
        "Release Date": "9/24/16",
        "Shoe Size": "11",
        "Buyer Region": "California",
    }
    return row | {key.replace("_", " "): value for key, value in values.items()}


def test_the_2019_sample_imports_identical_rows_as_separate_sales_and_again_changes_nothing(shop, tmp_path, sql):
    adidas = Brand.objects.get(slug="adidas")
    beluga = make_product(brand=adidas, name="adidas Yeezy Boost 350 Low V2 Beluga", style_code="BB1826")
    eu_45_third = make_size(region="EU", value="45 1/3", gender_class="M", standardized_value=Decimal("45.3"))
    pairs = [pair(beluga, eu_45_third, days_ago=days) for days in (3, 2, 1)]
    rows = [
        sample_row(),
        sample_row(),
        sample_row(Order_Date="Tuesday, October 17, 2017", Release_Date="", Sale_Price="$1,000"),
    ]
    path = write_csv(tmp_path / "stockx_2019.csv", SAMPLE_2019_HEADER, rows)

    run = import_report(path)

    assert (run.status, run.rows_created) == ("succeeded", 3), run.errors
    orders = list(Order.objects.order_by("sold_at", "sale_price_cents"))
    assert {order.inventory for order in orders} == set(pairs)
    assert len({order.external_order_number for order in orders}) == 3
    assert [order.sale_price_cents for order in orders] == [109700, 109700, 100000]
    assert timezone.localtime(orders[2].sold_at).date() == dt.date(2017, 10, 17)
    assert {order.buyer_region for order in orders} == {"US-CA"}
    before = snapshot(sql)
    again = import_report(path)
    assert (again.rows_created, again.rows_unchanged) == (0, 3)
    assert snapshot(sql) == before


def test_a_brand_written_with_stray_spaces_picks_that_brands_product(shop, tmp_path):
    yeezy = make_brand(name="Yeezy", slug="yeezy")
    adidas = Brand.objects.get(slug="adidas")
    name = "Adidas Yeezy Boost 350 Low V2 Beluga"
    theirs = make_product(brand=yeezy, name=name, style_code="")
    make_product(brand=adidas, name=name, style_code="")
    item = pair(theirs, make_size(brand=yeezy, region="US", value="11", gender_class="M"))
    run = import_report(write_csv(tmp_path / "sample.csv", SAMPLE_2019_HEADER, [sample_row()]))
    assert run.rows_created == 1
    assert Order.objects.get().inventory == item


def test_a_header_that_does_not_match_its_columns_is_refused(shop, tmp_path):
    # A scraped file: the names sit under "Order Date", the dates under "Sneaker Name".
    rows = [
        sample_row(Order_Date="Adidas-Yeezy-Boost-350-Low-V2-Beluga", Sneaker_Name=date)
        for date in ("9/1/17", "9/2/17", "", "Tuesday, October 17, 2017")
    ]
    pair(shop.dunk, shop.sizes["44.5"])
    run = import_report(write_csv(tmp_path / "scraped.csv", SAMPLE_2019_HEADER, rows))
    assert run.status == "failed"
    assert run.message.startswith("Refused: scraped.csv: the header does not match the columns below it")
    by_column = {error["column"]: error for error in run.errors}
    assert set(by_column) == {"Order Date", "Sneaker Name"}
    assert by_column["Order Date"]["message"] == (
        '4 of 4 sampled values do not fit this column (such as "Adidas-Yeezy-Boost-350-Low-V2-Beluga"); '
        'they look like "Sneaker Name", "Brand" values: does the header match the columns?'
    )
    assert not Order.objects.exists() and not UnmatchedSale.objects.exists()


# --------------------------------------------------------------------------- refusals and bad rows


def test_a_file_of_no_known_format_is_refused_with_every_formats_expected_headers(shop, tmp_path):
    run = import_report(write_csv(tmp_path / "sales.csv", ["Date", "Product", "Price"], [{"Date": "2024-01-01"}]))
    assert run.status == "failed"
    assert "expected headers: StockX EU seller invoice report: " in run.message
    assert len(run.errors) == len(FORMATS)
    assert all(error["line"] == 1 for error in run.errors)
    assert run.errors[1]["message"].startswith('not a StockX historical sales export: "Order Number", "Sale Date"')


def test_a_report_of_another_platform_is_refused(shop, tmp_path):
    path = write_csv(tmp_path / "alias.csv", ALIAS_SALES.all_columns, [{"ORDER_NUMBER": "1"}])
    run = import_report(path, platform="stockx")
    assert run.status == "failed"
    assert run.errors[0]["message"] == (
        "the header is that of the Alias/GOAT seller sales report, a report of alias or goat; "
        "it cannot be imported for stockx"
    )


def test_an_unknown_platform_is_refused_before_any_run(shop, tmp_path):
    with pytest.raises(UnknownPlatform, match='unknown platform "klekt"; known platforms: alias, ebay, goat, stockx'):
        import_report(write_invoice(tmp_path / "invoice.csv", invoice_row()), platform="klekt")
    assert not ImportRun.objects.exists()


def bad_invoice(tmp_path: Path) -> Path:
    return write_invoice(
        tmp_path / "invoice.csv",
        invoice_row(),
        invoice_row(Order_Number="2-2", Sku_Size="9"),
        invoice_row(Order_Number="3-3", Listing_Price="1,2,3", Sale_Date=""),
    )


def test_one_bad_row_refuses_the_whole_report_by_default_naming_line_column_and_reason(shop, tmp_path, sql):
    pair(shop.dunk, shop.sizes["44.5"])
    pair(shop.dunk, shop.sizes["42.5"])
    before = snapshot(sql)
    run = import_report(bad_invoice(tmp_path))
    assert (run.status, run.rows_read, run.rows_failed, run.rows_created) == ("failed", 3, 2, 0)
    assert run.errors == [
        {"line": 4, "column": "Sale Date", "message": "the sale date is empty; every sale needs one"},
        {
            "line": 4,
            "column": "Listing Price",
            "message": '"1,2,3" is not an amount: its separators do not group thousands by three digits',
        },
    ]
    assert run.message.startswith("1 bad row(s) of 3; nothing was written.")
    assert snapshot(sql) == before


def test_skip_bad_rows_writes_the_good_rows_and_reports_the_bad(shop, tmp_path):
    pair(shop.dunk, shop.sizes["44.5"])
    pair(shop.dunk, shop.sizes["42.5"])
    run = import_report(bad_invoice(tmp_path), skip_bad_rows=True)
    assert (run.status, run.rows_read, run.rows_created, run.rows_skipped, run.rows_failed) == ("partial", 3, 2, 1, 0)
    assert [error["line"] for error in run.errors] == [4, 4]
    assert Order.objects.count() == 2
    assert run.message.endswith("1 bad row(s) skipped.")


def test_a_row_with_a_wrong_number_of_fields_is_reported_with_its_line(shop, tmp_path):
    pair(shop.dunk, shop.sizes["44.5"])
    path = write_invoice(tmp_path / "invoice.csv", invoice_row())
    with path.open("a") as handle:
        handle.write("only,three,fields\n")
    run = import_report(path, skip_bad_rows=True)
    assert (run.status, run.rows_read, run.rows_created, run.rows_skipped) == ("partial", 2, 1, 1)
    assert run.errors[0]["line"] == 3
    assert run.errors[0]["message"].startswith("expected 44 fields as in the header, got 3")


def test_an_order_number_twice_in_one_file_is_one_sale_unless_the_rows_differ(shop, tmp_path):
    pair(shop.dunk, shop.sizes["44.5"], days_ago=2)
    pair(shop.dunk, shop.sizes["44.5"], days_ago=1)
    path = write_invoice(tmp_path / "invoice.csv", invoice_row(), invoice_row(), invoice_row(Listing_Price="190"))
    run = import_report(path, skip_bad_rows=True)
    assert (run.rows_created, run.rows_unchanged, run.rows_skipped) == (1, 1, 1)
    assert run.errors == [
        {
            "line": 4,
            "column": "Order Number",
            "message": 'order number "39224521-39124280" is also on line 2, with other values',
        }
    ]
    assert Order.objects.count() == 1


def test_a_gzipped_semicolon_cp1252_report_with_european_amounts_is_read(shop, tmp_path):
    pair(shop.dunk, shop.sizes["44.5"])
    plain = write_csv(
        tmp_path / "sales.csv",
        HISTORICAL,
        [historical_row("A-1", "10.5", price="€1.234,50", payout="€1.100,00")],
        delimiter=";",
        encoding="cp1252",
    )
    packed = tmp_path / "sales.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    run = import_report(packed)
    assert run.status == "succeeded", run.errors
    order = Order.objects.get()
    assert (order.sale_price_cents, order.net_proceeds_cents, order.currency) == (123450, 110000, "EUR")


# --------------------------------------------------------------------------- the run record


def test_a_dry_run_counts_everything_and_writes_nothing(shop, tmp_path, sql):
    pair(shop.dunk, shop.sizes["44.5"])
    before = snapshot(sql)
    path = write_invoice(tmp_path / "invoice.csv", invoice_row(), invoice_row(Order_Number="2-2", Style="X-1"))
    run = import_report(path, dry_run=True)
    assert (run.status, run.rows_created) == ("succeeded", 2)
    assert run.message.endswith("Dry run: nothing was written.")
    assert snapshot(sql) == before


def test_the_run_records_file_checksum_user_counts_and_duration(shop, tmp_path):
    pair(shop.dunk, shop.sizes["44.5"])
    user = make_user()
    path = write_invoice(tmp_path / "upload-8f3a.csv", invoice_row())
    run = import_report(path, acting_user=user, display_name="stockx-july.csv")
    run.refresh_from_db()
    assert (run.kind, run.file_name, run.user, run.file_size) == (
        "sales_report",
        "stockx-july.csv",
        user,
        path.stat().st_size,
    )
    assert run.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert run.options["platform"] == "stockx" and run.options["format"] == "stockx_invoice"
    assert (run.options["dry_run"], run.options["skip_bad_rows"]) == (False, False)
    assert run.options["duration_ms"] >= 0
    assert run.started_at is not None and run.finished_at is not None and run.finished_at >= run.started_at
    assert run.options["outcome"] == {"orders_created": 1}
    assert run.message == (
        "StockX EU seller invoice report, 1 row(s): 1 order(s) created, 0 updated, 0 unchanged, "
        "0 sale(s) sent to the review queue."
    )


def test_progress_is_reported_while_reading(shop, tmp_path, monkeypatch):
    monkeypatch.setattr("transactions.sales_import.importer.PROGRESS_EVERY", 2)
    rows = [invoice_row(Order_Number=f"N-{n}", Style="X-1") for n in range(5)]
    seen: list[int] = []
    import_report(write_invoice(tmp_path / "invoice.csv", *rows), progress=seen.append)
    assert seen == [2, 4]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Refused: report.csv: the file is empty: no header line"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 workbook", "Refused: report.csv: this is an Excel .xls workbook"),
    ],
)
def test_a_file_that_is_not_a_csv_report_is_refused(shop, tmp_path, content, message):
    path = tmp_path / "report.csv"
    path.write_bytes(content)
    run = import_report(path)
    assert run.status == "failed" and run.message.startswith(message)


def test_a_quote_left_open_further_down_refuses_the_file_and_writes_nothing(shop, tmp_path, sql):
    pair(shop.dunk, shop.sizes["44.5"])
    path = write_invoice(tmp_path / "invoice.csv", invoice_row())
    with path.open("a") as handle:
        handle.write('"Erika,broken\n')
    before = snapshot(sql)
    run = import_report(path, skip_bad_rows=True)
    assert run.status == "failed"
    assert "a quoted field opened in this row is never closed" in run.message
    assert run.errors[-1]["line"] == 3
    assert snapshot(sql) == before


@pytest.mark.parametrize("dry_run", [False, True])
def test_card_like_digits_in_identifiers_and_names_are_imported_not_a_crash(tmp_path, dry_run):
    """A Luhn-valid digit run in a style code or an item name is the platform's text, not a card number."""
    make_shop()
    row = invoice_row(Style="4111111111111111", Item="Gift box 4111 1111 1111 1111", Order_Number="4012888888881881")
    run = import_report(write_invoice(tmp_path / "invoice.csv", row), dry_run=dry_run)
    assert run.status == "succeeded", run.errors
    assert (run.rows_created, run.rows_failed) == (1, 0)
    entries = UnmatchedSale.objects.all()
    if dry_run:
        assert not entries.exists()
    else:
        (entry,) = entries
        assert (entry.style_code, entry.product_name) == ("4111111111111111", "Gift box 4111 1111 1111 1111")
