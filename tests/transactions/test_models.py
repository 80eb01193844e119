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
