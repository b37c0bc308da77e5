"""Handing over a referral reward (referee's, or a referrer tier's) through the loyalty,
gift-card and publication services: every balance moves by their relative UPDATEs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.customers.models import Customer
from voucherd.kit.context import RequestContext
from voucherd.loyalty import ledger
from voucherd.loyalty import service as loyalty
from voucherd.loyalty.expiry import expires_on
from voucherd.loyalty.serializers import points_balance
from voucherd.publications import service as publications
from voucherd.vouchers import gift
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.schemas import BalanceChange


@dataclass
class Given:
    """The code credited or issued, the campaign it belongs to, and what moved."""

    voucher: Voucher
    campaign: Campaign
    balance: dict[str, Any] | None


async def points(
    session: AsyncSession,
    ctx: RequestContext,
    customer: Customer,
    program_id: str,
    amount: int,
    *,
    source_id: str,
    reason: str,
    details: dict[str, Any],
) -> Given:
    """Points on the customer's card of the program; a card is published first if they have
    none (loyalty.join, under the customer's lock)."""
    program = await loyalty.get_program(session, ctx, program_id)
    card = await loyalty.join(session, ctx, program, customer)
    await ledger.credit(
        session,
        ctx,
        card,
        amount,
        kind=ledger.ADDITION,
        expires_on=expires_on(loyalty.program_expiration_rules(program), ctx.today()),
        source_id=source_id,
        reason=reason,
        details=details,
        operation_type="AUTOMATIC",
    )
    return Given(card, program, points_balance(card, amount, operation_type="AUTOMATIC"))


async def gift_credits(
    session: AsyncSession,
    ctx: RequestContext,
    customer: Customer,
    campaign_id: str,
    amount: int,
    *,
    source_id: str,
    reason: str,
) -> Given:
    """Credits on the customer's gift card of the campaign (published first if they hold none)."""
    campaign = await campaigns.get_by_id(session, ctx, campaign_id)
    card = await vouchers.customer_voucher_in_campaign(session, campaign.id, customer.id)
    if card is None:
        card = (await publications.publish_from_campaign(session, ctx, campaign, customer)).voucher
    card, _ = await gift.change_gift_balance(
        session, ctx, card.id, BalanceChange(amount=amount, reason=reason, source_id=source_id)
    )
    return Given(card, campaign, {"amount": amount})


async def coupon(
    session: AsyncSession, ctx: RequestContext, customer: Customer, campaign_id: str
) -> Given:
    """A code of the campaign published to the customer."""
    campaign = await campaigns.get_by_id(session, ctx, campaign_id)
    published = await publications.publish_from_campaign(session, ctx, campaign, customer)
    return Given(published.voucher, campaign, None)
