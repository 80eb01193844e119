"""The event commands: buy, list, sell, cancel, return and pay out a pair from the shell.

Each test ends by running the database's deferred pair checks (``SET CONSTRAINTS ALL
IMMEDIATE``), so what the commands leave behind is what a commit would accept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from accounts.models import User
from catalog.gtin import with_check_digit
from catalog.models import Inventory, Product, Variant
from tests.factories import (
    make_fee_schedule,
    make_platform,
    make_product,
    make_size,
    make_supplier,
    make_user,
    make_variant,
)
from transactions.models import FeeSchedule, Listing, Order, Payout, Platform
from transactions.services import order_ship

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
DUNK = "Nike Dunk Low Retro (DD1391-100), EU M 42"


@dataclass
class Shop:
    user: User
    stockx: Platform
    schedule: FeeSchedule
    product: Product
    variant: Variant


@pytest.fixture(autouse=True)
def pair_checks() -> Iterator[None]:
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks a commit runs: none may refuse


@pytest.fixture
def shop() -> Shop:
    stockx = make_platform(code="stockx", name="StockX")
    product = make_product(name="Nike Dunk Low Retro", style_code="DD1391-100")
    variant = make_variant(
        product=product, size=make_size(region="EU", value="42"), ean=with_check_digit("400638133393")
    )
    make_supplier(name="43einhalb", slug="43einhalb")
    return Shop(
        user=make_user(email="anna@example.com"),
        stockx=stockx,
        schedule=make_fee_schedule(
            platform=stockx, valid_from=dt.date(2020, 1, 1), transaction_fee_bps=900, processing_fee_bps=300
        ),
        product=product,
        variant=variant,
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    text = out.getvalue()
    assert text.count("\n") == 1, text  # one line
    assert not UUID.search(text), text  # people read names, not ids
    return text.strip()


def buy(ref: str, *, price: str = "99.95", purchased_at: str = "2026-11-30") -> Inventory:
    run(
        "buy_pair",
        *("--style-code", "DD1391-100", "--size", "EU 42", "--price", price),
        *("--purchased-at", purchased_at, "--ref", ref),
    )
    bought = Inventory.objects.filter(external_order_ref=ref).order_by("created_at").last()
    assert bought is not None
    return bought


def sell(ref: str, number: str, price: str = "189.00", sold_at: str = "2026-12-01T10:00") -> Order:
    run("record_sale", ref, "--platform", "stockx", "--order-number", number, "--price", price, "--sold-at", sold_at)
    return Order.objects.get(external_order_number=number)


# --------------------------------------------------------------------------- buy_pair


def test_buy_pair_by_style_code_and_size_records_one_available_pair(shop):
    out = run(
        "buy_pair",
        *("--style-code", "dd1391-100", "--size", "eu 42", "--price", "99.95", "--supplier", "43einhalb"),
        *("--purchased-at", "2026-11-30", "--location", "Shelf A1", "--ref", "SO-1", "--as-user", "ANNA@example.com"),
    )
    assert out == (
        f"Bought {DUNK} for €99.95 from 43einhalb on 2026-11-30, supplier order SO-1: available, at Shelf A1."
    )
    item = Inventory.objects.get()
    assert (item.variant, item.purchase_price_cents, item.currency, item.status) == (
        shop.variant,
        9995,
        "EUR",
        "available",
    )
    assert (item.supplier_name, item.location, item.quantity, item.created_by) == (
        "43einhalb",
        "Shelf A1",
        1,
        shop.user,
    )
    assert timezone.localtime(item.purchased_at).date() == dt.date(2026, 11, 30)


def test_buy_pair_by_ean_in_another_currency_on_its_way(shop):
    out = run(
        "buy_pair",
        *("--ean", shop.variant.ean, "--price", "120", "--currency", "usd", "--fx-rate", "0.92", "--incoming"),
        *("--purchased-at", "2026-11-30T15:30"),
    )
    assert out == f"Bought {DUNK} for $120.00 (FX rate 0.92) on 2026-11-30: incoming."
    item = Inventory.objects.get()
    assert (item.variant, item.purchase_price_cents, item.currency, item.status) == (
        shop.variant,
        12000,
        "USD",
        "incoming",
    )
    assert item.purchase_fx_rate == Decimal("0.92")
    assert timezone.localtime(item.purchased_at).strftime("%Y-%m-%d %H:%M") == "2026-11-30 15:30"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "EU 47", "--price", "99.95"], r'has no variant in size "EU 47" \(its sizes: EU 42\)$'),
        (
            ["--size", "EU 42", "--price", "1.234,56"],
            r'^--price "1\.234,56" is ambiguous: write 1234\.56 \(a point before the cents',
        ),
        (["--size", "EU 42", "--price", "1,234.56"], r'^--price "1,234\.56" is ambiguous: write 1234\.56'),
        (["--size", "EU 42", "--price", "12.345"], r'^--price "12\.345" has more than two decimals'),
        (["--size", "EU 42", "--price", "-5"], r'^--price "-5" is negative'),
        (["--size", "EU 42", "--price", "99", "--currency", "USD"], r"^a price in USD needs its FX rate into EUR"),
        (["--size", "EU 42", "--price", "99", "--supplier", "nope"], r'^no supplier has the slug "nope"'),
        (["--size", "EU 42", "--price", "99", "--purchased-at", "2999-01-01"], r"^the purchase date is in the future$"),
        (
            ["--size", "EU 42", "--price", "99", "--purchased-at", "30.11.2026"],
            r'^--purchased-at "30\.11\.2026" is not a date',
        ),
        (["--price", "99"], r'^--style-code needs --size, e.g. --size "EU 42"$'),
    ],
)
def test_buy_pair_refuses_and_writes_nothing(shop, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("buy_pair", "--style-code", "DD1391-100", *args)
    assert not Inventory.objects.exists()


def test_buy_pair_refuses_an_unknown_style_code_or_ean(shop):
    with pytest.raises(CommandError, match=r'^no product has the style code "XX0000-000"$'):
        call_command("buy_pair", "--style-code", "XX0000-000", "--size", "EU 42", "--price", "99")
    unknown = with_check_digit("401234567890")
    with pytest.raises(CommandError, match=rf"^no variant in the catalog has the EAN/GTIN {unknown}$"):
        call_command("buy_pair", "--ean", unknown, "--price", "99")
    assert not Inventory.objects.exists()


# --------------------------------------------------------------------------- list_pair


def test_list_pair_offers_the_pair_and_says_what_the_seller_receives(shop):
    item = buy("SO-1")
    out = run("list_pair", "SO-1", "--platform", "stockx", "--ask", "189.00", "--as-user", "anna@example.com")
    # 9% of €189.00 is €17.01, 3% is €5.67: €22.68 of fees.
    assert out == f"Listed {DUNK} on StockX at €189.00: you receive €166.32 after fees (€22.68)."
    listing = Listing.objects.get()
    assert (listing.inventory, listing.platform, listing.ask_price_cents, listing.status) == (
        item,
        shop.stockx,
        18900,
        "active",
    )
    assert listing.created_by == shop.user
    item.refresh_from_db()
    assert item.status == "listed"


def test_list_pair_without_a_fee_schedule_says_so(shop):
    buy("SO-1")
    make_platform(code="klekt", name="Klekt")
    out = run("list_pair", "SO-1", "--platform", "klekt", "--ask", "150")
    assert (
        out
        == f"Listed {DUNK} on Klekt at €150.00; Klekt has no fee schedule in force, so what you receive is not known."
    )


def test_list_pair_refuses_an_unknown_or_ambiguous_ref_and_an_unknown_platform(shop):
    buy("SO-1")
    buy("SO-2")
    buy("SO-2", price="89.95")
    with pytest.raises(CommandError, match=r'^no pair has the supplier order number "SO-9"$'):
        call_command("list_pair", "SO-9", "--platform", "stockx", "--ask", "189.00")
    with pytest.raises(
        CommandError, match=r'^several pairs have the supplier order number "SO-2": .*EU M 42 \(available\); '
    ):
        call_command("list_pair", "SO-2", "--platform", "stockx", "--ask", "189.00")
    with pytest.raises(CommandError, match=r'^no platform has the code "restocks" \(codes: stockx\)$'):
        call_command("list_pair", "SO-1", "--platform", "restocks", "--ask", "189.00")
    with pytest.raises(CommandError, match=r"^--ask \"1\.234,56\" is ambiguous"):
        call_command("list_pair", "SO-1", "--platform", "stockx", "--ask", "1.234,56")
    assert not Listing.objects.exists()


# --------------------------------------------------------------------------- record_sale


def test_record_sale_takes_the_fees_from_the_schedule_and_sells_the_listing(shop):
    item = buy("SO-1")
    run("list_pair", "SO-1", "--platform", "stockx", "--ask", "189.00")
    out = run(
        "record_sale",
        *("SO-1", "--platform", "stockx", "--order-number", "123", "--price", "189.00"),
        *("--sold-at", "2026-12-01T10:00", "--as-user", "anna@example.com"),
    )
    assert out == (
        f"Sold {DUNK} on StockX (order 123) for €189.00 on 2026-12-01: you receive €166.32 after "
        "€17.01 platform and €5.67 processing fees (from the fee schedule)."
    )
    order = Order.objects.get()
    assert (order.inventory, order.platform, order.status, order.fee_schedule) == (
        item,
        shop.stockx,
        "pending",
        shop.schedule,
    )
    assert (order.sale_price_cents, order.platform_fee_cents, order.processing_fee_cents) == (18900, 1701, 567)
    assert (order.net_proceeds_cents, order.created_by) == (16632, shop.user)
    assert order.listing is not None and order.listing.status == "sold"
    item.refresh_from_db()
    assert item.status == "sold"


def test_record_sale_keeps_the_fees_the_platform_stated(shop):
    buy("SO-1")
    out = run(
        "record_sale",
        *("SO-1", "--platform", "stockx", "--order-number", "123", "--price", "189"),
        *("--sold-at", "2026-12-01", "--platform-fee", "12.34", "--processing-fee", "3.00"),
    )
    assert out.endswith("you receive €173.66 after €12.34 platform and €3.00 processing fees (as stated).")
    order = Order.objects.get()
    assert (order.platform_fee_cents, order.processing_fee_cents, order.net_proceeds_cents) == (1234, 300, 17366)
    assert order.fee_schedule is None and order.listing is None


def test_record_sale_refuses_a_sale_dated_before_the_purchase(shop):
    item = buy("SO-1", purchased_at="2026-11-30")
    with pytest.raises(CommandError, match=r"^the sale date is before the pair was bought \(2026-11-30[ )]"):
        sell("SO-1", "123", sold_at="2026-11-29T18:00")
    assert not Order.objects.exists()
    item.refresh_from_db()
    assert item.status == "available"


def test_record_sale_refuses_a_second_sale_of_the_same_pair(shop):
    buy("SO-1")
    first = sell("SO-1", "123")
    with pytest.raises(
        CommandError, match=r"^Nike Dunk Low Retro \(DD1391-100\) \(EU M 42\) is sold: it cannot be sold"
    ):
        sell("SO-1", "124")
    assert list(Order.objects.all()) == [first]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SO-9", "--price", "189.00"], r'^no pair has the supplier order number "SO-9"$'),
        (["SO-1", "--price", "1.234,56"], r'^--price "1\.234,56" is ambiguous: write 1234\.56'),
        (["SO-1", "--price", "189", "--processing-fee", "3"], r"^--processing-fee goes with --platform-fee"),
        (
            ["SO-1", "--price", "189", "--platform-fee", "12.345"],
            r'^--platform-fee "12\.345" has more than two decimals',
        ),
        (["SO-1", "--price", "-189"], r'^--price "-189" is negative'),
        (["SO-1", "--price", "0"], r"^the sale price must be more than zero$"),
    ],
)
def test_record_sale_refuses_what_it_cannot_record(shop, args, message):
    item = buy("SO-1")
    with pytest.raises(CommandError, match=message):
        call_command("record_sale", *args, "--platform", "stockx", "--order-number", "123")
    assert not Order.objects.exists()
    item.refresh_from_db()
    assert item.status == "available"


def test_record_sale_without_a_fee_schedule_names_the_fee_options(shop):
    buy("SO-1")
    make_platform(code="klekt", name="Klekt")
    with pytest.raises(CommandError, match=r"^Klekt has no fee schedule .*\(--platform-fee, --processing-fee\)$"):
        call_command("record_sale", "SO-1", "--platform", "klekt", "--order-number", "K-1", "--price", "150")
    assert not Order.objects.exists()


# --------------------------------------------------------------------------- ship, complete, cancel, return


def test_cancel_order_puts_the_pair_back_in_stock(shop):
    item = buy("SO-1")
    run("list_pair", "SO-1", "--platform", "stockx", "--ask", "189.00")
    sell("SO-1", "123")
    out = run("cancel_order", "--platform", "stockx", "123", "--reason", "buyer changed their mind")
    assert out == f"StockX order 123 ({DUNK}): cancelled; the pair is available again, its listings stay ended."
    order = Order.objects.get()
    assert order.status == "cancelled" and order.cancelled_at is not None
    assert order.notes.endswith("Cancelled: buyer changed their mind")
    item.refresh_from_db()
    assert item.status == "available"
    assert not Listing.objects.filter(status="active").exists()


def test_cancel_order_refuses_a_shipped_or_unknown_order(shop):
    buy("SO-1")
    order_ship(acting_user=None, order=sell("SO-1", "123"))
    with pytest.raises(CommandError, match=r"^StockX #123 is shipped: .*cancelled; record a return instead$"):
        call_command("cancel_order", "--platform", "stockx", "123")
    with pytest.raises(CommandError, match=r"^StockX has no order 999$"):
        call_command("cancel_order", "--platform", "stockx", "999")
    assert Order.objects.get().status == "shipped"


def test_ship_order_then_complete_order_move_the_order_on(shop):
    buy("SO-1")
    sell("SO-1", "123")
    assert run("ship_order", "--platform", "stockx", "123") == f"StockX order 123 ({DUNK}): shipped."
    assert Order.objects.get().status == "shipped"
    assert run("complete_order", "--platform", "stockx", "123") == f"StockX order 123 ({DUNK}): completed."
    assert Order.objects.get().status == "completed"
    with pytest.raises(CommandError, match=r"^StockX #123 is completed: only pending orders ship$"):
        call_command("ship_order", "--platform", "stockx", "123")


def test_return_order_keeps_the_refund_and_marks_the_pair_returned(shop):
    item = buy("SO-1")
    sell("SO-1", "123")
    run("ship_order", "--platform", "stockx", "123")
    out = run("return_order", "--platform", "stockx", "123", "--refund", "150.00", "--reason", "too small")
    assert out == (
        f"StockX order 123 ({DUNK}): returned, €150.00 refunded; the pair is marked returned until it is inspected."
    )
    order = Order.objects.get()
    assert (order.status, order.refund_cents) == ("returned", 15000)
    assert order.notes.endswith("Returned: too small")
    item.refresh_from_db()
    assert item.status == "returned"


def test_return_order_refuses_an_unshipped_order_and_a_refund_above_the_price(shop):
    buy("SO-1")
    order = sell("SO-1", "123")
    with pytest.raises(
        CommandError, match=r"^StockX #123 is pending: only a shipped or completed order can be returned$"
    ):
        call_command("return_order", "--platform", "stockx", "123")
    order_ship(acting_user=None, order=order)
    with pytest.raises(
        CommandError, match=r"^a refund of €200\.00 is not between nothing and the sale price \(€189\.00\)$"
    ):
        call_command("return_order", "--platform", "stockx", "123", "--refund", "200.00")
    order.refresh_from_db()
    assert (order.status, order.refund_cents) == ("shipped", None)


# --------------------------------------------------------------------------- record_payout


def test_record_payout_assigns_the_orders_and_reconciles(shop):
    buy("SO-1")
    buy("SO-2")
    first = sell("SO-1", "123", price="189.00")  # net €166.32
    second = sell("SO-2", "124", price="100.00")  # net €88.00
    out = run("record_payout", "--platform", "stockx", "--payout-id", "P-1", "--amount", "254.32", "123", "124", "123")
    assert out == "Recorded StockX payout P-1 of €254.32 for order(s) 123, 124; matched: €254.32 for 2 order(s)."
    payout = Payout.objects.get()
    assert (payout.platform, payout.amount_cents, payout.status) == (shop.stockx, 25432, "paid")
    assert set(payout.orders.all()) == {first, second}


def test_record_payout_says_when_the_platform_paid_short(shop):
    buy("SO-1")
    sell("SO-1", "123")
    out = run("record_payout", "--platform", "stockx", "--payout-id", "P-1", "--amount", "160", "123")
    assert out == (
        "Recorded StockX payout P-1 of €160.00 for order(s) 123; "
        "short by €6.32: paid €160.00, the orders' net proceeds are €166.32."
    )


def test_record_payout_refuses_unknown_and_already_paid_orders(shop):
    buy("SO-1")
    sell("SO-1", "123")
    with pytest.raises(CommandError, match=r"^StockX has no order 999, 998: nothing was recorded$"):
        call_command(
            "record_payout", "--platform", "stockx", "--payout-id", "P-1", "--amount", "1", "123", "999", "998"
        )
    assert not Payout.objects.exists()
    call_command(
        "record_payout", "--platform", "stockx", "--payout-id", "P-1", "--amount", "166.32", "123", stdout=StringIO()
    )
    with pytest.raises(CommandError, match=r"^StockX #123 is paid by another payout already$"):
        call_command("record_payout", "--platform", "stockx", "--payout-id", "P-2", "--amount", "166.32", "123")
    assert Payout.objects.count() == 1


# --------------------------------------------------------------------------- the acting user


@pytest.mark.parametrize(
    "command",
    [
        ["buy_pair", "--style-code", "DD1391-100", "--size", "EU 42", "--price", "99"],
        ["list_pair", "SO-1", "--platform", "stockx", "--ask", "189"],
        ["record_sale", "SO-1", "--platform", "stockx", "--order-number", "1", "--price", "189"],
        ["cancel_order", "--platform", "stockx", "1"],
        ["return_order", "--platform", "stockx", "1"],
        ["record_payout", "--platform", "stockx", "--payout-id", "P-1", "--amount", "1", "1"],
    ],
)
def test_every_command_refuses_an_unknown_acting_user(shop, command):
    with pytest.raises(CommandError, match=r"^--as-user nobody@example\.com: no user has this e-mail address\.$"):
        call_command(*command, "--as-user", "nobody@example.com")
    assert not Inventory.objects.exists()
