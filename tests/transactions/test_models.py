import datetime as dt

import pytest

from tests.factories import make_fee_schedule
from transactions.models import FeeSchedule


@pytest.mark.django_db
def test_fees_take_the_minimum_when_the_percentage_is_smaller():
    schedule = make_fee_schedule(transaction_fee_bps=900, processing_fee_bps=300, minimum_fee_cents=500)
    small = schedule.fees_for(3000)  # 9% of €30 is €2.70, below the €5 minimum
    assert (small.transaction_fee_cents, small.processing_fee_cents) == (500, 90)
    large = schedule.fees_for(20050)  # 9% of €200.50 = €18.045 -> €18.05 (half up)
    assert large.transaction_fee_cents == 1805
    assert large.total_cents == 1805 + 602


@pytest.mark.django_db
def test_the_schedule_in_force_on_the_sale_date_applies():
    old = make_fee_schedule(valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2026, 1, 1), transaction_fee_bps=1000)
    new = make_fee_schedule(platform=old.platform, valid_from=dt.date(2026, 1, 1), transaction_fee_bps=900)
    pick = FeeSchedule.objects.in_force
    assert pick(platform=old.platform, region="EU", seller_level=1, on=dt.date(2025, 12, 31)) == old
    assert pick(platform=old.platform, region="EU", seller_level=1, on=dt.date(2026, 1, 1)) == new
    assert pick(platform=old.platform, region="EU", seller_level=1, on=dt.date(2024, 6, 1)) is None
    assert pick(platform=old.platform, region="US", seller_level=1, on=dt.date(2026, 6, 1)) is None


@pytest.mark.django_db
def test_order_fees_come_from_the_schedule_of_its_sale_date():
    from tests.factories import make_order, make_platform
    from transactions.services import NoFeeSchedule, order_apply_fees

    platform = make_platform(seller_level=1)
    make_fee_schedule(
        platform=platform,
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2026, 1, 1),
        transaction_fee_bps=1000,
        processing_fee_bps=300,
    )
    make_fee_schedule(
        platform=platform, valid_from=dt.date(2026, 1, 1), transaction_fee_bps=800, processing_fee_bps=300
    )
    sold_2025 = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
    order = make_order(platform=platform, sold_at=sold_2025, sale_price_cents=20000, shipping_cost_cents=500)
    order_apply_fees(order=order, acting_user=None)
    order.refresh_from_db()
    assert (order.platform_fee_cents, order.processing_fee_cents) == (2000, 600)
    assert order.net_proceeds_cents == 20000 - 2000 - 600 - 500
    assert order.fee_schedule is not None and order.fee_schedule.transaction_fee_bps == 1000

    order.sold_at = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    with pytest.raises(NoFeeSchedule, match="no fee schedule for region EU, level 1 on 2024-06-01"):
        order_apply_fees(order=order, acting_user=None)
