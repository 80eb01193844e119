"""Writes on orders and listings."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from transactions.models import FeeSchedule, Order


class NoFeeSchedule(LookupError):
    """No fee schedule of the platform was in force on the sale date."""


@transaction.atomic
def order_apply_fees(*, order: Order, seller_level: int | None = None) -> Order:
    """Compute an order's fees from the schedule in force on its sale date, and save them.

    The platform's region and seller level pick the schedule unless ``seller_level`` is
    given. A later schedule never changes an earlier order: the date decides.
    """
    platform = order.platform
    sold_on = timezone.localtime(order.sold_at).date()
    schedule = FeeSchedule.objects.in_force(
        platform=platform,
        region=platform.region,
        seller_level=seller_level if seller_level is not None else platform.seller_level,
        on=sold_on,
    )
    if schedule is None:
        raise NoFeeSchedule(
            f"{platform} has no fee schedule for region {platform.region}, level "
            f"{seller_level or platform.seller_level} on {sold_on}"
        )
    fees = schedule.fees_for(order.sale_price_cents)
    order.fee_schedule = schedule
    order.platform_fee_cents = fees.transaction_fee_cents + fees.fixed_fee_cents
    order.processing_fee_cents = fees.processing_fee_cents
    order.net_proceeds_cents = (
        order.sale_price_cents
        - order.platform_fee_cents
        - order.processing_fee_cents
        - order.shipping_cost_cents
        - order.other_costs_cents
    )
    order.full_clean()
    order.save()
    return order
