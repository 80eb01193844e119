import pytest

from catalog.models import Brand
from pricing.models import PriceSource
from soleflip.db.bulk import copy_columns, copy_rows
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_copy_rows_fills_defaults_and_database_defaults():
    product = make_product()
    written = copy_rows(
        PriceSource,
        (
            {
                "product_id": product.pk,
                "source_type": "awin",
                "source_product_id": str(n),
                "source_name": "x",
                "price_type": "retail",
                "price_cents": 100 + n,
            }
            for n in range(3)
        ),
    )
    assert written == 3
    row = PriceSource.objects.get(source_product_id="2")
    assert (row.price_cents, row.currency, row.in_stock, row.metadata, row.source_url) == (102, "EUR", True, {}, "")
    assert row.id is not None and row.created_at is not None  # gen_random_uuid() and now() in the database


def test_copy_rows_of_nothing_writes_nothing():
    assert copy_rows(Brand, []) == 0


def test_copy_columns_names_a_required_field_that_is_missing():
    with pytest.raises(ValueError, match=r"PriceSource\.product_id has no default"):
        copy_columns(PriceSource, ["price_cents"])
    with pytest.raises(ValueError, match="no field"):
        copy_columns(Brand, ["name", "slug", "colour"])
