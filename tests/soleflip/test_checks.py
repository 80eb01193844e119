"""Every named CHECK (and exclusion) constraint: the database itself rejects a violating row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from soleflip.db.schemas import APP_SCHEMAS
from tests import factories as f

pytestmark = pytest.mark.django_db

# constraint name -> (factory of a valid row, the update that violates only that constraint)
CASES: dict[str, tuple[Callable[..., models.Model], dict[str, Any]]] = {
    # accounts
    "chk_users_role_valid": (f.make_user, {"role": "owner"}),
    "chk_logs_level_valid": (f.make_system_log, {"level": "LOUD"}),
    "chk_audit_log_operation_valid": (f.make_audit_log, {"operation": "TRUNCATE"}),
    # catalog: core
    "chk_categories_not_own_parent": (f.make_category, {"parent": models.F("id")}),
    "chk_suppliers_supplier_type_valid": (f.make_supplier, {"supplier_type": "friend"}),
    "chk_suppliers_default_currency_format": (f.make_supplier, {"default_currency": "eur"}),
    "chk_suppliers_rating_range": (f.make_supplier, {"rating": 6}),
    "chk_suppliers_country_code_format": (f.make_supplier, {"country_code": "de"}),
    "chk_supplier_accounts_last4_format": (f.make_supplier_account, {"payment_method_last4": "42a1"}),
    "chk_supplier_history_event_type_valid": (f.make_supplier_history, {"event_type": "gossip"}),
    "chk_supplier_performance_period_order": (
        f.make_supplier_performance,
        {"period_end": dt.date(2025, 12, 1)},
    ),
    "chk_supplier_performance_defects_le_received": (f.make_supplier_performance, {"items_defective": 11}),
    "chk_supplier_performance_on_time_rate_range": (f.make_supplier_performance, {"on_time_rate_bps": 10001}),
    "chk_supplier_performance_total_spent_cents_non_negative": (
        f.make_supplier_performance,
        {"total_spent_cents": -1},
    ),
    "chk_supplier_performance_currency_format": (f.make_supplier_performance, {"currency": "Eur"}),
    # catalog: products
    "chk_products_retail_price_positive": (f.make_product, {"retail_price_cents": -1}),
    "chk_products_avg_resale_price_cents_non_negative": (f.make_product, {"avg_resale_price_cents": -1}),
    "chk_products_retail_currency_format": (f.make_product, {"retail_currency": "€"}),
    "chk_products_gender_class_valid": (f.make_product, {"gender_class": "X"}),
    "chk_size_charts_gender_class_valid": (f.make_size_chart, {"gender_class": "X"}),
    "chk_size_charts_region_valid": (f.make_size_chart, {"region": "FR"}),
    "chk_sizes_region_valid": (f.make_size, {"region": "FR"}),
    "chk_sizes_gender_class_valid": (f.make_size, {"gender_class": "X"}),
    "chk_sizes_standardized_value_range": (f.make_size, {"standardized_value": 99}),
    "chk_variants_ean_format": (f.make_variant, {"ean": "12345"}),
    "chk_size_reviews_status_valid": (f.make_size_review, {"status": "maybe"}),
    "chk_size_reviews_accepted_has_value": (f.make_size_review, {"status": "accepted"}),
    "chk_inventory_quantity_positive": (f.make_inventory, {"quantity": -1}),
    "chk_inventory_single_pair": (f.make_inventory, {"quantity": 2}),
    "chk_inventory_purchase_price_positive": (f.make_inventory, {"purchase_price_cents": -1}),
    "chk_inventory_fx_rate_positive": (f.make_inventory, {"purchase_fx_rate": 0}),
    "chk_inventory_currency_format": (f.make_inventory, {"currency": "usd"}),
    "chk_inventory_status_valid": (f.make_inventory, {"status": "lost"}),
    "chk_inventory_condition_valid": (f.make_inventory, {"condition": "worn"}),
    # pricing
    "chk_price_sources_price_positive": (f.make_price_source, {"price_cents": -1}),
    "chk_price_sources_stock_positive": (f.make_price_source, {"stock_quantity": -3}),
    "chk_price_sources_currency_format": (f.make_price_source, {"currency": "E1R"}),
    "chk_price_sources_source_type_valid": (f.make_price_source, {"source_type": "flea_market"}),
    "chk_price_sources_price_type_valid": (f.make_price_source, {"price_type": "guess"}),
    "chk_price_history_currency_format": (f.make_price_history, {"currency": "eur"}),
    "chk_import_runs_kind_valid": (f.make_import_run, {"kind": "fax"}),
    "chk_import_runs_status_valid": (f.make_import_run, {"status": "maybe"}),
    "chk_import_runs_counts_non_negative": (f.make_import_run, {"rows_failed": -1}),
    "chk_awin_products_price_positive": (f.make_awin_product, {"price_cents": -5}),
    "chk_awin_products_currency_format": (f.make_awin_product, {"currency": "eu1"}),
    "chk_price_rules_rule_type_valid": (f.make_price_rule, {"rule_type": "vibes"}),
    "chk_price_rules_currency_format": (f.make_price_rule, {"currency": "xx"}),
    "chk_price_rules_validity_order": (
        f.make_price_rule,
        {"valid_from": dt.date(2026, 5, 1), "valid_until": dt.date(2026, 4, 1)},
    ),
    "chk_price_rules_value_present": (f.make_price_rule, {"value_bps": None}),
    "chk_brand_multipliers_positive": (f.make_brand_multiplier, {"multiplier": 0}),
    "chk_brand_multipliers_validity_order": (f.make_brand_multiplier, {"valid_until": dt.date(2025, 1, 1)}),
    # transactions
    "chk_platforms_default_currency_format": (f.make_platform, {"default_currency": "EU"}),
    "chk_fee_schedules_validity_order": (f.make_fee_schedule, {"valid_to": dt.date(2026, 1, 1)}),
    "chk_fee_schedules_rates_range": (f.make_fee_schedule, {"transaction_fee_bps": 10001}),
    "chk_fee_schedules_fixed_fee_cents_non_negative": (f.make_fee_schedule, {"fixed_fee_cents": -1}),
    "chk_fee_schedules_minimum_fee_cents_non_negative": (f.make_fee_schedule, {"minimum_fee_cents": -1}),
    "chk_fee_schedules_currency_format": (f.make_fee_schedule, {"currency": "eu"}),
    "chk_listings_ask_price_positive": (f.make_listing, {"ask_price_cents": 0}),
    "chk_listings_currency_format": (f.make_listing, {"currency": "123"}),
    "chk_listings_status_valid": (f.make_listing, {"status": "paused"}),
    "chk_payouts_amount_cents_non_negative": (f.make_payout, {"amount_cents": -1}),
    "chk_payouts_fx_rate_positive": (f.make_payout, {"fx_rate": -1}),
    "chk_payouts_currency_format": (f.make_payout, {"currency": "usd"}),
    "chk_payouts_status_valid": (f.make_payout, {"status": "lost"}),
    "chk_orders_sale_price_positive": (f.make_order, {"sale_price_cents": 0, "net_proceeds_cents": -100}),
    "chk_orders_net_proceeds_logical": (f.make_order, {"net_proceeds_cents": 20001}),
    "chk_orders_fees_non_negative": (f.make_order, {"platform_fee_cents": -1}),
    "chk_orders_payout_fx_rate_positive": (f.make_order, {"payout_fx_rate": 0}),
    "chk_orders_currency_format": (f.make_order, {"currency": "eur"}),
    "chk_orders_payout_currency_format": (f.make_order, {"payout_currency": "eur"}),
    "chk_orders_status_valid": (f.make_order, {"status": "lost"}),
    "chk_orders_refund_within_price": (f.make_order, {"refund_cents": 20001}),
    "chk_orders_cancelled_has_date": (f.make_order, {"status": "cancelled"}),
    "chk_orders_returned_has_date": (f.make_order, {"status": "returned"}),
    "chk_unmatched_sales_sale_price_positive": (f.make_unmatched_sale, {"sale_price_cents": 0}),
    "chk_unmatched_sales_fees_non_negative": (f.make_unmatched_sale, {"shipping_cost_cents": -1}),
    "chk_unmatched_sales_payout_cents_non_negative": (f.make_unmatched_sale, {"payout_cents": -1}),
    "chk_unmatched_sales_currency_format": (f.make_unmatched_sale, {"currency": "usd"}),
    "chk_unmatched_sales_payout_currency_format": (f.make_unmatched_sale, {"payout_currency": "EU"}),
    "chk_unmatched_sales_status_valid": (f.make_unmatched_sale, {"status": "ignored"}),
    "chk_unmatched_sales_resolved_has_date": (f.make_unmatched_sale, {"status": "resolved"}),
}


# Append-only tables take no UPDATE, and an order's status changes only along its status
# machine (a trigger that refuses first): their CHECKs are shown on insert.
INSERT_ONLY = {
    "chk_audit_log_operation_valid",
    "chk_orders_status_valid",
    "chk_orders_cancelled_has_date",
    "chk_orders_returned_has_date",
}


def declared_checks() -> set[str]:
    return {
        c.name
        for m in apps.get_models()
        if m._meta.app_label in APP_SCHEMAS
        for c in m._meta.constraints
        if isinstance(c, models.CheckConstraint)
    }


def field_checks() -> set[str]:
    """CHECKs PostgreSQL names after the column, from field types (PositiveIntegerField >= 0)."""
    return {
        f"{m._meta.db_table}_{field.column}_check"
        for m in apps.get_models()
        if m._meta.app_label in APP_SCHEMAS
        for field in m._meta.local_fields
        if field.db_check(connection)
    }


def constraint_of(exc: IntegrityError) -> str | None:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)


def test_every_declared_check_has_a_case():
    assert declared_checks() == set(CASES)


def test_every_check_in_the_database_is_declared(sql):
    rows = sql(
        "SELECT DISTINCT con.conname FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace "
        "JOIN pg_class c ON c.oid = con.conrelid "
        "WHERE con.contype = 'c' AND n.nspname = ANY(%s) AND NOT c.relispartition",
        [[s for schemas in APP_SCHEMAS.values() for s in schemas]],
    )
    assert {r[0] for r in rows} == declared_checks() | field_checks()


@pytest.mark.parametrize("name", sorted(CASES))
def test_database_rejects_a_violating_row(name):
    factory, bad = CASES[name]
    if name in INSERT_ONLY:
        with pytest.raises(IntegrityError) as caught, transaction.atomic():
            factory(**bad)
    else:
        row = factory()
        with pytest.raises(IntegrityError) as caught, transaction.atomic():
            type(row)._default_manager.filter(pk=row.pk).update(**bad)
    assert constraint_of(caught.value) == name


def test_review_checks_exist_under_the_reviews_names():
    # Section 2.4 of the review names these; the product keeps the names.
    review = {
        "chk_inventory_quantity_positive",
        "chk_inventory_purchase_price_positive",
        "chk_products_retail_price_positive",
        "chk_orders_sale_price_positive",
        "chk_orders_net_proceeds_logical",
    }
    assert review <= declared_checks()


def test_fee_schedules_of_one_key_cannot_overlap():
    first = f.make_fee_schedule(valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 7, 1))
    # Adjacent is fine: ranges are [from, to).
    f.make_fee_schedule(platform=first.platform, valid_from=dt.date(2026, 7, 1))
    # Another seller level may share the dates.
    f.make_fee_schedule(platform=first.platform, seller_level=2, valid_from=dt.date(2026, 3, 1))
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        f.make_fee_schedule(platform=first.platform, valid_from=dt.date(2026, 6, 1), valid_to=dt.date(2026, 8, 1))
    assert constraint_of(caught.value) == "excl_fee_schedules_no_overlap"


def test_price_sources_without_size_are_unique_too():
    # NULLs never collide in a plain unique index; NULLS NOT DISTINCT makes them collide.
    first = f.make_price_source(size=None)
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        f.make_price_source(
            product=first.product,
            size=None,
            source_type=first.source_type,
            source_product_id=first.source_product_id,
            price_type=first.price_type,
        )
    assert constraint_of(caught.value) == "uq_price_sources_source_key"


def test_price_sources_with_size_are_unique_per_source_and_type():
    first = f.make_price_source(size=f.make_size())
    same = {
        "product": first.product,
        "size": first.size,
        "source_type": first.source_type,
        "source_product_id": first.source_product_id,
    }
    f.make_price_source(**same, price_type="resale")  # another price type is another row
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        f.make_price_source(**same, price_type=first.price_type)
    assert constraint_of(caught.value) == "uq_price_sources_source_key"


def test_user_email_is_unique_whatever_its_case():
    f.make_user(email="Anna@Example.com")
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        f.make_user(email="anna@example.COM")
    assert constraint_of(caught.value) == "uq_users_email_lower"


def test_variant_ean_is_unique():
    first = f.make_variant()
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        f.make_variant(ean=first.ean)
    assert constraint_of(caught.value) == "idx_products_ean"
