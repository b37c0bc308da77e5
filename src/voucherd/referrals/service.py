"""Conversions: a referee redeems a referral code (or sends the program's custom event), is
recorded once per campaign, gets the referee reward, and the referrer's reward tiers are
checked. Everything runs in the caller's transaction, with its events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.earning.schemas import ReferralRef
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import InvalidPayload
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.timefmt import iso
from voucherd.orders.models import Order
from voucherd.redemptions.models import Redemption
from voucherd.redemptions.serializers import simple_redemption
from voucherd.referrals import program, repository, tiers
from voucherd.referrals.events import record_rewarded
from voucherd.referrals.guard import referrer_error
from voucherd.referrals.rewards import Given, gift_credits, points
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.serializers import simple_voucher


class Redeemed(Protocol):
    """What the redemption path knows of a redeemed code (its engine's Candidate)."""

    voucher: Voucher | None
    campaign: Campaign | None


@dataclass
class Conversion:
    campaign: Campaign
    voucher: Voucher
    referrer_id: str
    referee: Customer
    related_object_type: str  # "redemption" | "custom_event"
    related_object_id: str
    # The event payload's cause: {"redemption": …} or {"custom_event": …}.
    cause: dict[str, Any]


async def on_redeemed(
    session: AsyncSession,
    ctx: RequestContext,
    redeemed: Sequence[Redeemed],
    redemptions: Sequence[Redemption],
    customer: Customer | None,
    order: Order,
) -> None:
    """After a successful redemption (the customer's row is locked): each referral code in it
    names the order's referrer and converts the customer. No SQL for other codes."""
    for candidate, redemption in zip(redeemed, redemptions, strict=True):
        voucher, campaign = candidate.voucher, candidate.campaign
        if voucher is None or campaign is None or not program.is_referral(campaign):
            continue
        if voucher.holder_id is None:  # a code not published to anyone has no referrer
            continue
        order.referrer_id = voucher.holder_id
        if customer is None or program.of(campaign).get("conversion_event_type") not in (
            None,
            "redemption",
        ):
            continue
        await convert(
            session,
            ctx,
            Conversion(
                campaign,
                voucher,
                voucher.holder_id,
                customer,
                "redemption",
                redemption.id,
                {
                    "redemption": simple_redemption(
                        redemption, customer=customer, voucher=voucher, order=None
                    )
                },
            ),
        )


async def on_custom_event(
    session: AsyncSession,
    ctx: RequestContext,
    event_name: str,
    referral: ReferralRef | None,
    customer: Customer,
    custom_event: dict[str, Any],
) -> None:
    """`POST /v1/events` with `referral.code`: converts the customer when the code's program
    converts on this event. An unknown code (404), a code of no referral program, another
    referrer or the referrer themselves (400) refuse the whole event."""
    if referral is None or not referral.code:
        return
    voucher, campaign = await vouchers.get_with_campaign(session, ctx, referral.code)
    if campaign is None or not program.is_referral(campaign):
        raise InvalidPayload(f"{voucher.code} is not a referral code", key="invalid_voucher")
    if voucher.holder_id is None:
        raise InvalidPayload(f"Referral code {voucher.code} has no referrer yet")
    if referral.referrer_id and referral.referrer_id not in (voucher.holder_id,):
        referrer = await customers.get(session, ctx, referral.referrer_id)
        if referrer.id != voucher.holder_id:
            raise InvalidPayload(f"Referral code {voucher.code} belongs to another referrer")
    refused = referrer_error(voucher, campaign, customer)
    if refused is not None:
        raise refused
    settings = program.of(campaign)
    expected = (settings.get("custom_event") or {}).get("name")
    if settings.get("conversion_event_type") != "custom_event" or expected != event_name:
        return  # the program converts on something else: the event is only recorded
    await customers.lock(session, [customer.id])
    await convert(
        session,
        ctx,
        Conversion(
            campaign,
            voucher,
            voucher.holder_id,
            customer,
            "custom_event",
            custom_event["id"],
            {"custom_event": custom_event},
        ),
    )


async def convert(session: AsyncSession, ctx: RequestContext, c: Conversion) -> bool:
    """Record the referee's conversion once per campaign; False if they had converted."""
    now = utcnow()
    inserted = await repository.insert_referral(
        session,
        {
            "id": new_id(Prefix.REFERRAL),
            "project_id": ctx.project_id,
            "campaign_id": c.campaign.id,
            "voucher_id": c.voucher.id,
            "referrer_id": c.referrer_id,
            "referee_id": c.referee.id,
            "related_object_type": c.related_object_type,
            "related_object_id": c.related_object_id,
            "created_at": now,
        },
    )
    if not inserted:
        return False
    await _summarise(session, c.referee)
    referrer = await customers.get_by_id(session, ctx, c.referrer_id)
    await record_event(
        session,
        ctx,
        "customer.referred",
        entity_id=c.referee.id,
        data={
            "customer": simple_customer(c.referee),
            "referrer": simple_customer(referrer) if referrer else None,
            "campaign": simple_campaign(c.campaign),
            "voucher": simple_voucher(c.voucher),
            "redemption": None,
            "custom_event": None,
            **c.cause,
        },
    )
    await _reward_referee(session, ctx, c)
    if referrer is not None:
        await tiers.reward_referrer(session, ctx, c.campaign, referrer, c.referee, c.cause)
    return True


async def _summarise(session: AsyncSession, referee: Customer) -> None:
    """The referee's `referrals` from their conversions (the row is locked by the caller)."""
    rows = await repository.referrals_of_referee(session, referee.id)
    referee.referrals = {
        "total": len(rows),
        "campaigns": [
            {
                "campaign_id": r.campaign_id,
                "referrer_id": r.referrer_id,
                "related_object_id": r.related_object_id,
                "related_object_type": r.related_object_type,
                "date": iso(r.created_at),
            }
            for r in rows
        ],
    }
    await session.flush()


async def _reward_referee(session: AsyncSession, ctx: RequestContext, c: Conversion) -> None:
    reward = program.of(c.campaign).get("referee_reward")
    if not reward:
        return
    parent = str(reward["related_object_parent"]["id"])
    amount = int(reward["amount"])
    reason = f"Referral program {c.campaign.name}"
    given: Given
    if reward["type"] == "LOYALTY_CARD":
        given = await points(
            session,
            ctx,
            c.referee,
            parent,
            amount,
            source_id=c.related_object_id,
            reason=reason,
            details={"campaign": {"id": c.campaign.id, "name": c.campaign.name}},
        )
    else:
        given = await gift_credits(
            session, ctx, c.referee, parent, amount, source_id=c.related_object_id, reason=reason
        )
    await record_rewarded(session, ctx, c.referee, given, referral_tier=None, cause=c.cause)


async def campaign_of(session: AsyncSession, ctx: RequestContext, key: str) -> Campaign:
    """A REFERRAL_PROGRAM campaign by id or name (404 if none, 400 if of another type)."""
    campaign = await campaigns.get(session, ctx, key)
    if not program.is_referral(campaign):
        raise InvalidPayload(f"Campaign {campaign.id} is not a referral program")
    return campaign
