"""Plain factory functions: each makes one valid, saved row; keyword arguments override fields."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from accounts.models import AuditLog, SystemLog, User
from catalog.gtin import with_check_digit
from catalog.models import (
    Brand,
    Category,
    Inventory,
    Product,
    Size,
    SizeChart,
    SizeReview,
    Supplier,
    SupplierAccount,
    SupplierHistory,
    SupplierPerformance,
    Variant,
)
from pricing.models import AwinProduct, BrandMultiplier, ImportRun, PriceHistory, PriceRule, PriceSource
from transactions.models import FeeSchedule, Listing, Order, Payout, Platform, UnmatchedSale

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def _lazy(kw: dict[str, Any], key: str, factory: Callable[[], Any]) -> None:
    """Make a related row only when the caller did not pass one."""
    if key not in kw:
        kw[key] = factory()


def make_user(**kw: Any) -> User:
    n = _n()
    kw.setdefault("username", f"user{n}")
    kw.setdefault("email", f"user{n}@example.com")
    password = kw.pop("password", "correct horse battery staple")
    return User.objects.create_user(password=password, **kw)


def make_brand(**kw: Any) -> Brand:
    n = _n()
    kw.setdefault("name", f"Brand {n}")
    kw.setdefault("slug", f"brand-{n}")
    return Brand.objects.create(**kw)


def make_category(**kw: Any) -> Category:
    n = _n()
    kw.setdefault("name", f"Category {n}")
    kw.setdefault("slug", f"category-{n}")
    return Category.objects.create(**kw)


def make_supplier(**kw: Any) -> Supplier:
    n = _n()
    kw.setdefault("name", f"Supplier {n}")
    kw.setdefault("slug", f"supplier-{n}")
    return Supplier.objects.create(**kw)


def make_supplier_account(**kw: Any) -> SupplierAccount:
    _lazy(kw, "supplier", make_supplier)
    kw.setdefault("email", f"buyer{_n()}@example.com")
    return SupplierAccount.objects.create(**kw)


def make_supplier_history(**kw: Any) -> SupplierHistory:
    _lazy(kw, "supplier", make_supplier)
    kw.setdefault("event_type", "note")
    kw.setdefault("occurred_at", timezone.now())
    return SupplierHistory.objects.create(**kw)


def make_supplier_performance(**kw: Any) -> SupplierPerformance:
    _lazy(kw, "supplier", make_supplier)
    kw.setdefault("period_start", dt.date(2026, 1, 1))
    kw.setdefault("period_end", dt.date(2026, 1, 31))
    kw.setdefault("items_received", 10)
    return SupplierPerformance.objects.create(**kw)


def make_product(**kw: Any) -> Product:
    n = _n()
    _lazy(kw, "brand", make_brand)
    kw.setdefault("name", f"Sneaker {n}")
    kw.setdefault("style_code", f"SC{n:05d}-100")
    kw.setdefault("retail_price_cents", 11999)
    return Product.objects.create(**kw)


def make_size(**kw: Any) -> Size:
    kw.setdefault("region", "EU")
    kw.setdefault("value", f"{30 + _n() % 200 / 10:.1f}")
    kw.setdefault("gender_class", "M")
    return Size.objects.create(**kw)


def make_size_chart(**kw: Any) -> SizeChart:
    _lazy(kw, "brand", make_brand)
    kw.setdefault("gender_class", "M")
    kw.setdefault("region", "US")
    kw.setdefault("value", "9")
    kw.setdefault("eu_value", "42.5")
    kw.setdefault("source", "test chart")
    return SizeChart.objects.create(**kw)


def make_size_review(**kw: Any) -> SizeReview:
    _lazy(kw, "size", make_size)
    kw.setdefault("outcome", "unknown")
    kw.setdefault("reason", "no chart")
    return SizeReview.objects.create(**kw)


def make_variant(**kw: Any) -> Variant:
    _lazy(kw, "product", make_product)
    _lazy(kw, "size", make_size)
    kw.setdefault("ean", with_check_digit(f"400123{_n():06d}"))
    return Variant.objects.create(**kw)


def make_inventory(**kw: Any) -> Inventory:
    _lazy(kw, "product", make_product)
    kw.setdefault("purchase_price_cents", 9999)
    kw.setdefault("purchased_at", timezone.now())
    return Inventory.objects.create(**kw)


def make_price_source(**kw: Any) -> PriceSource:
    _lazy(kw, "product", make_product)
    kw.setdefault("source_type", "awin")
    kw.setdefault("source_product_id", f"aw{_n()}")
    kw.setdefault("source_name", "size? Official DE")
    kw.setdefault("price_type", "retail")
    kw.setdefault("price_cents", 12999)
    return PriceSource.objects.create(**kw)


def make_price_history(**kw: Any) -> PriceHistory:
    import uuid

    kw.setdefault("recorded_at", timezone.now())
    kw.setdefault("price_source_id", uuid.uuid4())
    kw.setdefault("product_id", uuid.uuid4())
    kw.setdefault("source_type", "awin")
    kw.setdefault("price_type", "retail")
    kw.setdefault("new_price_cents", 100)
    kw.setdefault("currency", "EUR")
    kw.setdefault("in_stock", True)
    return PriceHistory.objects.create(**kw)


def make_import_run(**kw: Any) -> ImportRun:
    kw.setdefault("kind", "awin_feed")
    kw.setdefault("file_name", "feed.csv")
    kw.setdefault("file_sha256", "0" * 64)
    return ImportRun.objects.create(**kw)


def make_awin_product(**kw: Any) -> AwinProduct:
    kw.setdefault("merchant_id", "17046")
    kw.setdefault("aw_product_id", str(_n()))
    kw.setdefault("price_cents", 9999)
    return AwinProduct.objects.create(**kw)


def make_price_rule(**kw: Any) -> PriceRule:
    kw.setdefault("name", f"Rule {_n()}")
    kw.setdefault("rule_type", "markup_percent")
    kw.setdefault("value_bps", 1500)
    return PriceRule.objects.create(**kw)


def make_brand_multiplier(**kw: Any) -> BrandMultiplier:
    _lazy(kw, "brand", make_brand)
    kw.setdefault("valid_from", dt.date(2026, 1, 1))
    return BrandMultiplier.objects.create(**kw)


def make_platform(**kw: Any) -> Platform:
    n = _n()
    kw.setdefault("code", f"platform{n}")
    kw.setdefault("name", f"Platform {n}")
    return Platform.objects.create(**kw)


def make_fee_schedule(**kw: Any) -> FeeSchedule:
    _lazy(kw, "platform", make_platform)
    kw.setdefault("valid_from", dt.date(2026, 1, 1))
    kw.setdefault("transaction_fee_bps", 900)
    kw.setdefault("processing_fee_bps", 300)
    return FeeSchedule.objects.create(**kw)


def make_listing(**kw: Any) -> Listing:
    _lazy(kw, "inventory", make_inventory)
    _lazy(kw, "platform", make_platform)
    kw.setdefault("ask_price_cents", 19999)
    listing = Listing.objects.create(**kw)
    if listing.status == "active":  # as listing_create leaves it: an active listing's pair is listed
        Inventory.objects.filter(pk=listing.inventory_id).update(status="listed")
    return listing


def make_payout(**kw: Any) -> Payout:
    _lazy(kw, "platform", make_platform)
    kw.setdefault("external_payout_id", f"P{_n()}")
    kw.setdefault("amount_cents", 15000)
    return Payout.objects.create(**kw)


def make_order(**kw: Any) -> Order:
    _lazy(kw, "inventory", make_inventory)
    _lazy(kw, "platform", make_platform)
    kw.setdefault("external_order_number", f"O-{_n()}")
    kw.setdefault("sold_at", timezone.now())
    kw.setdefault("sale_price_cents", 20000)
    kw.setdefault("platform_fee_cents", 1800)
    kw.setdefault("processing_fee_cents", 600)
    kw.setdefault("net_proceeds_cents", 17600)
    order = Order.objects.create(**kw)
    if order.status not in ("cancelled", "returned"):  # as sale_record leaves it: the pair is sold
        Inventory.objects.filter(pk=order.inventory_id).update(status="sold")
        Listing.objects.filter(inventory_id=order.inventory_id, status="active").update(status="ended")
    return order


def make_unmatched_sale(**kw: Any) -> UnmatchedSale:
    _lazy(kw, "platform", make_platform)
    kw.setdefault("external_order_number", f"U-{_n()}")
    kw.setdefault("sold_at", timezone.now())
    kw.setdefault("style_code", "DD1391-100")
    kw.setdefault("size_label", "10.5")
    kw.setdefault("sale_price_cents", 15000)
    kw.setdefault("currency", "EUR")
    kw.setdefault("reason", "no unsold pair in that size")
    return UnmatchedSale.objects.create(**kw)


def make_system_log(**kw: Any) -> SystemLog:
    kw.setdefault("created_at", timezone.now())
    kw.setdefault("logger", "tests")
    kw.setdefault("message", "hello")
    return SystemLog.objects.create(**kw)


def make_audit_log(**kw: Any) -> AuditLog:
    import uuid

    kw.setdefault("changed_at", timezone.now())
    kw.setdefault("table_name", "products")
    kw.setdefault("record_id", uuid.uuid4())
    kw.setdefault("operation", "INSERT")
    return AuditLog.objects.create(**kw)
