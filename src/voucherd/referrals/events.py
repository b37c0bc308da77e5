"""Referral events, shaped as the webhook spec's payloads."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.events.service import record_event
from voucherd.kit.context import RequestContext
from voucherd.referrals.models import RedeemableHolder
from voucherd.referrals.rewards import Given
from voucherd.referrals.serializers import simple_holder
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.serializers import simple_voucher


async def record_rewarded(
    session: AsyncSession,
    ctx: RequestContext,
    customer: Customer,
    given: Given,
    *,
    referral_tier: dict[str, Any] | None,
    cause: dict[str, Any],
) -> None:
    """`customer.rewarded` (webhook `EventCustomerRewardedData`) for a referral reward."""
    person = simple_customer(customer)
    await record_event(
        session,
        ctx,
        "customer.rewarded",
        entity_id=customer.id,
        data={
            "customer": person,
            "holder": person,
            "voucher": simple_voucher(given.voucher),
            "campaign": simple_campaign(given.campaign),
            "redemption": None,
            "reward": None,
            "referral_tier": referral_tier,
            "balance": given.balance,
            "custom_event": cause.get("custom_event"),
            "customer_event": None,
        },
    )


async def record_holder(
    session: AsyncSession,
    ctx: RequestContext,
    kind: str,
    holder: RedeemableHolder,
    voucher: Voucher,
    campaign: Campaign,
    customer: Customer | None,
) -> None:
    """`customer.holder.assignment.created|deleted` (`EventCustomerHolderAssignment*Data`)."""
    await record_event(
        session,
        ctx,
        f"customer.holder.assignment.{kind}",
        entity_id=holder.customer_id,
        data={
            "holder": simple_holder(holder, campaign, voucher),
            "voucher": simple_voucher(voucher),
            "campaign": simple_campaign(campaign),
            "customer": simple_customer(customer) if customer else {"id": holder.customer_id},
        },
    )
