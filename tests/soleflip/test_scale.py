import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.gtin import normalize_gtin
from catalog.models import Inventory, Product, Variant
from demo.scale import PAIRS_PER_PRODUCT, PRODUCTS_PER_SCALE, SCALE_MARK, SIZES_PER_PRODUCT, scale_seed
from pricing.models import PriceHistory, PriceSource
from soleflip.db.bulk import copy_rows
from transactions.models import Order

pytestmark = pytest.mark.django_db


def generated() -> int:
    return Product.objects.filter(enrichment_data__seed=SCALE_MARK).count()


def test_scale_adds_the_promised_volume_and_is_incremental():
    report = scale_seed(scale=2)
    products = 2 * PRODUCTS_PER_SCALE
    assert report.counts["products"] == generated() == products
    assert report.counts["price sources"] == products * SIZES_PER_PRODUCT * 3
    assert report.counts["inventory"] == products * PAIRS_PER_PRODUCT
    assert str(scale_seed(scale=2)) == "Scale data already present; nothing added."
    assert scale_seed(scale=3).counts["products"] == PRODUCTS_PER_SCALE
    assert generated() == 3 * PRODUCTS_PER_SCALE


def test_scale_data_is_valid_and_went_through_the_triggers():
    scale_seed(scale=2)
    for ean in Variant.objects.filter(product__enrichment_data__seed=SCALE_MARK).values_list("ean", flat=True):
        assert ean is not None and normalize_gtin(ean) == ean
    # COPY fires the statement trigger: every generated price has its first history row.
    assert PriceHistory.objects.count() == PriceSource.objects.count()
    for order in Order.objects.select_related("fee_schedule", "inventory"):
        assert order.inventory.status == "sold"
        if order.fee_schedule:
            assert (
                order.net_proceeds_cents
                == order.sale_price_cents - order.fee_schedule.fees_for(order.sale_price_cents).total_cents
            )
    assert Inventory.objects.filter(status="sold").count() == Order.objects.count()


def test_seed_demo_scale_command_reports_progress_and_counts(capsys):
    call_command("seed_demo", "--scale", "2")
    out = capsys.readouterr().out
    assert "20/20 products" in out and "Scale data added: 20 products" in out


def test_every_generated_pair_passes_the_database_pair_checks(sql):
    scale_seed(scale=2)
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # the checks a commit runs, run now: none refuses
    rows = sql(
        """
        SELECT i.status, i.quantity,
               (SELECT count(*) FROM transactions.orders o
                 WHERE o.inventory_id = i.id AND o.status NOT IN ('cancelled', 'returned')),
               (SELECT count(*) FROM platforms.listings l WHERE l.inventory_id = i.id AND l.status = 'active'),
               (SELECT count(*) FROM platforms.listings l WHERE l.inventory_id = i.id AND l.status = 'sold'),
               (SELECT bool_and(l.listed_at >= i.purchased_at AND l.listed_at <= now())
                  FROM platforms.listings l WHERE l.inventory_id = i.id),
               (SELECT bool_and(o.sold_at >= l.listed_at)
                  FROM transactions.orders o JOIN platforms.listings l ON l.id = o.listing_id
                 WHERE o.inventory_id = i.id)
          FROM products.inventory i
         WHERE i.external_order_ref LIKE 'S%%'
        """
    )
    shape = {"sold": (1, 0, 1), "listed": (0, 1, 0)}
    assert {status for status, *_ in rows} >= {"sold", "listed", "available"}
    for status, quantity, open_orders, active, sold, listed_in_order, sold_in_order in rows:
        assert quantity == 1
        assert (open_orders, active, sold) == shape.get(status, (0, 0, 0)), status
        assert listed_in_order is not False and sold_in_order is not False


def test_the_pair_checks_see_rows_written_by_copy(sql):
    scale_seed(scale=1)
    sold = Inventory.objects.filter(status="sold").select_related("product").first()
    assert sold is not None
    with pytest.raises(IntegrityError, match="is sold but has no open order"), transaction.atomic():
        copy_rows(
            Inventory,
            [{"product_id": sold.product_id, "purchased_at": timezone.now(), "status": "sold", "quantity": 1}],
        )
        sql("SET CONSTRAINTS ALL IMMEDIATE")
