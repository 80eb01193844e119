import pytest
from django.core.management import call_command

from catalog.gtin import normalize_gtin
from catalog.models import Inventory, InventoryStatus, Product, Variant
from demo.seed import demo_seed
from pricing.models import PriceSource
from soleflip.db.schemas import TABLE_SCHEMAS
from transactions.models import Listing, Order

pytestmark = pytest.mark.django_db


def counts(sql) -> dict[str, int]:
    return {t: sql(f'SELECT count(*) FROM "{s}"."{t}"')[0][0] for t, s in TABLE_SCHEMAS.items()}


def test_demo_seed_is_idempotent(sql):
    first = demo_seed()
    assert first.created
    before = counts(sql)
    second = demo_seed()
    assert second.created == {}
    assert str(second) == "Demo data already present; nothing changed."
    assert counts(sql) == before


def test_demo_data_is_realistic(sql):
    demo_seed()
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # the database's pair checks, as at commit: none refuses
    assert Product.objects.filter(style_code="DD1391-100", brand__name="Nike").exists()
    for ean in Variant.objects.values_list("ean", flat=True):
        assert ean is not None
        assert normalize_gtin(ean) == ean
    assert PriceSource.objects.filter(price_type="retail", in_stock=True).exists()
    assert set(Inventory.objects.values_list("status", flat=True)) == {
        InventoryStatus.SOLD,
        InventoryStatus.LISTED,
        InventoryStatus.AVAILABLE,
    }
    for order in Order.objects.select_related("fee_schedule"):
        assert order.fee_schedule is not None
        fees = order.fee_schedule.fees_for(order.sale_price_cents)
        assert order.net_proceeds_cents == order.sale_price_cents - fees.total_cents
        assert order.inventory.status == InventoryStatus.SOLD
        assert order.status == "completed"
        assert order.listing is not None and order.listing.status == "sold"
        bought_at, listed_at = order.inventory.purchased_at, order.listing.listed_at
        assert bought_at is not None and listed_at is not None
        assert bought_at < listed_at < order.sold_at
    per_product = Inventory.objects.filter(product__style_code="DD1391-100")
    assert sorted(per_product.values_list("status", flat=True)) == ["available", "listed", "sold"]
    listed = per_product.get(status=InventoryStatus.LISTED)
    assert list(Listing.objects.filter(inventory=listed).values_list("status", flat=True)) == ["active"]
    assert not Listing.objects.filter(inventory__status=InventoryStatus.AVAILABLE).exists()


def test_seed_demo_command_prints_what_it_did(capsys):
    call_command("seed_demo")
    assert "Demo data created:" in capsys.readouterr().out
    call_command("seed_demo")
    assert "nothing changed" in capsys.readouterr().out
