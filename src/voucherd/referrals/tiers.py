"""Referrer reward tiers (our own API): CRUD, and granting a tier's reward exactly once.

A tier `each` rewards the referrer for every unique referee; `at_least` once, when their
unique referees in the campaign reach `referrals`. The grant row's unique key (tier,
referrer, referee or "*") is the "once": a conditional INSERT decides who hands it over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.referrals import repository, rewards
from voucherd.referrals.events import record_rewarded
from voucherd.referrals.models import ReferralRewardTier
from voucherd.referrals.schemas import (
    RewardTierCreate,
    RewardTierUpdate,
    TierParameters,
    TierReward,
)
from voucherd.referrals.serializers import simple_referral_tier

# The campaign type each reward draws from.
_SOURCE_TYPE = {
    "LOYALTY_POINTS": "LOYALTY_PROGRAM",
    "GIFT_CREDITS": "GIFT_VOUCHERS",
    "COUPON": "DISCOUNT_COUPONS",
}
_QUANTITY = {"LOYALTY_POINTS": "points", "GIFT_CREDITS": "amount"}


async def _checked_reward(
    session: AsyncSession, ctx: RequestContext, reward: TierReward
) -> dict[str, Any]:
    source = await campaigns.get(session, ctx, reward.campaign_id)
    wanted = _SOURCE_TYPE[reward.type]
    if source.campaign_type != wanted:
        raise InvalidPayload(
            f"reward: {reward.type} comes from a {wanted} campaign, and {source.id} is "
            f"{source.campaign_type}"
        )
    stored: dict[str, Any] = {"type": reward.type, "campaign_id": source.id}
    quantity = _QUANTITY.get(reward.type)
    for name in ("points", "amount"):
        value = getattr(reward, name)
        if name == quantity and value is None:
            raise InvalidPayload(f"reward.{name} is required for {reward.type}")
        if name != quantity and value is not None:
            raise InvalidPayload(f"reward.{name} does not apply to {reward.type}")
    if quantity is not None:
        stored[quantity] = getattr(reward, quantity)
    return stored


def _checked_parameters(parameters: TierParameters) -> tuple[str, int]:
    if parameters.event_type == "each" and parameters.referrals != 1:
        raise InvalidPayload("parameters.referrals must be 1 (or left out) for event_type each")
    return parameters.event_type, parameters.referrals


async def create(
    session: AsyncSession, ctx: RequestContext, campaign: Campaign, data: RewardTierCreate
) -> ReferralRewardTier:
    event_type, count = _checked_parameters(data.parameters)
    tier = ReferralRewardTier(
        id=new_id(Prefix.REFERRAL_TIER),
        project_id=ctx.project_id,
        campaign_id=campaign.id,
        name=data.name,
        banner=data.banner,
        event_type=event_type,
        referrals=count,
        reward=await _checked_reward(session, ctx, data.reward),
        created_at=utcnow(),
    )
    session.add(tier)
    await session.flush()
    return tier


async def get(
    session: AsyncSession, ctx: RequestContext, campaign: Campaign, tier_id: str
) -> ReferralRewardTier:
    tier = await repository.get_tier(session, ctx.project_id, campaign.id, tier_id)
    if tier is None:
        raise NotFound("referral_tier", tier_id)
    return tier


async def list_tiers(
    session: AsyncSession, ctx: RequestContext, campaign: Campaign
) -> Sequence[ReferralRewardTier]:
    return await repository.tiers_of(session, ctx.project_id, campaign.id)


async def update(
    session: AsyncSession,
    ctx: RequestContext,
    campaign: Campaign,
    tier_id: str,
    data: RewardTierUpdate,
) -> ReferralRewardTier:
    """Grants already made stay; the new settings apply to conversions from now on."""
    tier = await get(session, ctx, campaign, tier_id)
    if data.name is not None:
        tier.name = data.name
    if "banner" in data.model_fields_set:
        tier.banner = data.banner
    if data.parameters is not None:
        tier.event_type, tier.referrals = _checked_parameters(data.parameters)
    if data.reward is not None:
        tier.reward = await _checked_reward(session, ctx, data.reward)
    tier.updated_at = utcnow()
    await session.flush()
    return tier


async def delete(
    session: AsyncSession, ctx: RequestContext, campaign: Campaign, tier_id: str
) -> None:
    tier = await get(session, ctx, campaign, tier_id)
    await session.delete(tier)
    await session.flush()


async def reward_referrer(
    session: AsyncSession,
    ctx: RequestContext,
    campaign: Campaign,
    referrer: Customer,
    referee: Customer,
    cause: dict[str, Any],
) -> None:
    """After a new conversion: every tier the referrer now reaches, granted once each."""
    tiers = await repository.tiers_of(session, ctx.project_id, campaign.id)
    if not tiers:
        return
    # The referrer's lock orders concurrent conversions of their referees: each counts after
    # the previous one committed, so an `at_least` threshold is never crossed unseen.
    await customers.lock(session, [referrer.id])
    count = await repository.count_referees(session, campaign.id, referrer.id)
    for tier in tiers:
        if count < tier.referrals:
            continue
        key = referee.id if tier.event_type == "each" else "*"
        granted = await repository.insert_grant(
            session,
            {
                "id": new_id(Prefix.REFERRAL_GRANT),
                "project_id": ctx.project_id,
                "tier_id": tier.id,
                "referrer_id": referrer.id,
                "grant_key": key,
                "result": dict(tier.reward),
                "created_at": utcnow(),
            },
        )
        if granted:
            await _give(session, ctx, tier, referrer, referee, cause)


async def _give(
    session: AsyncSession,
    ctx: RequestContext,
    tier: ReferralRewardTier,
    referrer: Customer,
    referee: Customer,
    cause: dict[str, Any],
) -> None:
    reward = tier.reward
    source = str(reward["campaign_id"])
    reason = f"Referral reward tier {tier.name}"
    given: rewards.Given
    if reward["type"] == "LOYALTY_POINTS":
        given = await rewards.points(
            session,
            ctx,
            referrer,
            source,
            int(reward["points"]),
            source_id=tier.id,
            reason=reason,
            details={"referral_tier": {"id": tier.id}, "referee": {"id": referee.id}},
        )
    elif reward["type"] == "GIFT_CREDITS":
        given = await rewards.gift_credits(
            session, ctx, referrer, source, int(reward["amount"]), source_id=tier.id, reason=reason
        )
    else:
        given = await rewards.coupon(session, ctx, referrer, source)
    await record_rewarded(
        session, ctx, referrer, given, referral_tier=simple_referral_tier(tier), cause=cause
    )
