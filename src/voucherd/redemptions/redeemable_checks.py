"""What a code or a promotion tier is worth on an order, and whether it may be used now: the
one implementation validations, redemptions and qualifications share (no query here).

`problem` says why a redeemable can't be used at this moment (an error key and message);
`formula_context` is what its discount formulas see. Qualifications judge dozens of
redeemables on one order, so the order's own variables can be passed in, computed once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.customers.models import Customer
from voucherd.discounts.calculation import OrderInput
from voucherd.discounts.formula import FormulaContext
from voucherd.discounts.resolve import formula_context as order_formula_context
from voucherd.promotions import redeemables as promotions
from voucherd.promotions.models import PromotionTier
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.windows import window_error

OrderVariables = Mapping[str, Decimal | str | bool | None]


def problem(
    voucher: Voucher | None, tier: PromotionTier | None, campaign: Campaign | None, now: datetime
) -> tuple[str, str] | None:
    """(error key, message) when the code or tier may not be used now, else None: disabled,
    before its start or after its end, outside its recurring windows, used up; a tier also
    when its campaign is disabled."""
    if tier is not None:
        assert campaign is not None  # a tier is always loaded with its campaign
        return promotions.tier_error(tier, campaign, now)
    assert voucher is not None
    campaign_active = campaign is None or campaigns.is_live(campaign, now)
    found = vouchers.status_error(voucher, now, campaign_active)
    return found or window_error(voucher, campaign, now)  # validity_* windows (#13)


def tier_discount(tier: PromotionTier | None) -> dict[str, Any] | None:
    return promotions.tier_discount(tier) if tier is not None else None


def formula_context(
    voucher: Voucher | None,
    tier: PromotionTier | None,
    order: OrderInput,
    *,
    customer: Customer | None,
    order_metadata: Mapping[str, Any],
    request_metadata: Mapping[str, Any],
    now: datetime,
    order_vars: OrderVariables | None = None,
) -> FormulaContext:
    """What the code's or the tier's formulas read: the order, the code's counters, and the
    order's, customer's, request's and redeemable's metadata."""
    metadata: dict[str, Mapping[str, Any]] = {
        "ORDER_METADATA": order_metadata,
        "CUSTOMER_METADATA": (customer.metadata_ if customer else None) or {},
        "REDEMPTION_METADATA": request_metadata,
    }
    variables: dict[str, Decimal | str | bool | None] = {}
    if voucher is not None:
        variables = {
            "VOUCHER_REDEEMED_QUANTITY": Decimal(voucher.redeemed_quantity),
            "VOUCHER_REDEMPTION_QUANTITY": (
                Decimal(voucher.redemption_quantity)
                if voucher.redemption_quantity is not None
                else None
            ),
            "VOUCHER_PUBLISH_COUNT": Decimal(voucher.publish_count),
        }
        metadata["REDEEMABLE_METADATA"] = voucher.metadata_ or {}
    elif tier is not None:
        metadata["REDEEMABLE_METADATA"] = tier.metadata_ or {}
        metadata["PROMOTION_TIER_METADATA"] = tier.metadata_ or {}
    return order_formula_context(
        order, voucher_variables=variables, metadata=metadata, now=now, order_vars=order_vars
    )
