"""Handing over a CAMPAIGN reward: a discount code, gift credits or loyalty points."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.events.service import record_event
from voucherd.kit.context import RequestContext
from voucherd.loyalty import ledger
from voucherd.loyalty import service as loyalty
from voucherd.loyalty.expiry import expires_on
from voucherd.loyalty.serializers import points_balance
from voucherd.publications import service as publications
from voucherd.publications.serializers import publication_body
from voucherd.rewards.models import Reward
from voucherd.vouchers import gift
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.schemas import BalanceChange
from voucherd.vouchers.serializers import simple_voucher


@dataclass
class Delivered:
    """What a reward produced: the code issued or credited, its publication, the balance."""

    voucher: Voucher | None = None
    publication: dict[str, Any] | None = None
    balance: dict[str, Any] | None = None


async def _publish(
    session: AsyncSession, ctx: RequestContext, campaign_id: str, customer: Customer
) -> tuple[Voucher, dict[str, Any]]:
    campaign = await campaigns.get_by_id(session, ctx, campaign_id)
    published = await publications.publish_from_campaign(session, ctx, campaign, customer)
    body = publication_body(published.publication, published.customer, published.voucher)
    # Voucherify tracks a publication by the customer's source_id (seed 001).
    body["tracking_id"] = body["tracking_id"] or customer.source_id
    return published.voucher, body


async def _gift_card(
    session: AsyncSession, ctx: RequestContext, campaign_id: str, customer: Customer
) -> tuple[Voucher, dict[str, Any] | None]:
    """The customer's gift card of the campaign; a new one is published if they have none."""
    held = await vouchers.customer_voucher_in_campaign(session, campaign_id, customer.id)
    if held is not None:
        return held, None
    return await _publish(session, ctx, campaign_id, customer)


async def deliver(
    session: AsyncSession,
    ctx: RequestContext,
    reward: Reward,
    customer: Customer,
    *,
    reward_redemption_id: str,
) -> Delivered:
    """Give the customer what a CAMPAIGN reward promises (other types: nothing to hand over)."""
    if reward.type != "CAMPAIGN":
        return Delivered()
    source = reward.parameters.get("campaign") or {}
    campaign_id = str(source["id"])
    kind = source.get("type")
    if kind == "DISCOUNT_COUPONS":
        code, published = await _publish(session, ctx, campaign_id, customer)
        return Delivered(code, published)
    amount = int(source.get("balance") or 0)
    reason = f"Reward {reward.name}"
    if kind == "GIFT_VOUCHERS":
        card, publication = await _gift_card(session, ctx, campaign_id, customer)
        card, _ = await gift.change_gift_balance(
            session,
            ctx,
            card.id,
            BalanceChange(amount=amount, reason=reason, source_id=reward_redemption_id),
        )
        return Delivered(card, publication, {"amount": amount})
    # LOYALTY_PROGRAM: points on the customer's card of that program (enrolled if needed).
    program = await loyalty.get_program(session, ctx, campaign_id)
    target = await loyalty.join(session, ctx, program, customer)
    await ledger.credit(
        session,
        ctx,
        target,
        amount,
        kind=ledger.ADDITION,
        expires_on=expires_on(loyalty.program_expiration_rules(program), ctx.today()),
        source_id=reward_redemption_id,
        reason=reason,
        details={"reward": {"id": reward.id, "name": reward.name}},
    )
    await _record_rewarded_points(session, ctx, customer, target, program, amount)
    return Delivered(target, None, {"points": amount})


async def _record_rewarded_points(
    session: AsyncSession,
    ctx: RequestContext,
    customer: Customer,
    card: Voucher,
    program: Campaign,
    points: int,
) -> None:
    """`customer.rewarded.loyalty_points`: a reward put points on a card of another program."""
    person = simple_customer(customer)
    await record_event(
        session,
        ctx,
        "customer.rewarded.loyalty_points",
        entity_id=customer.id,
        data={
            "customer": person,
            "holder": person,
            "voucher": simple_voucher(card),
            "campaign": simple_campaign(program),
            "loyalty_tier": None,
            "earning_rule": None,
            "balance": points_balance(card, points, operation_type="AUTOMATIC"),
            "order": None,
            "event": None,
            "publication": None,
        },
    )
