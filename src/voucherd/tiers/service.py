"""Loyalty tiers of a program: bulk creation with range checks, and the reads around them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.campaigns.serializers import simple_campaign
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.loyalty import service as loyalty
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.rewards import service as rewards
from voucherd.tiers import repository, rules
from voucherd.tiers.models import LoyaltyTier
from voucherd.tiers.schemas import TierCreate
from voucherd.tiers.serializers import (
    member_tier_body,
    tier_body,
    tier_earning_rule_body,
    tier_reward_body,
)

ANY_TIER = "__ANY__"


def points_range(tier: LoyaltyTier) -> rules.PointsRange:
    return rules.PointsRange(tier.points_from, tier.points_to)


def _label(name: str, points: rules.PointsRange) -> str:
    upper = "" if points.end is None else str(points.end)
    return f"'{name}' ({points.start}-{upper})"


async def _check_mapping_keys(
    session: AsyncSession, program: Campaign, items: Sequence[TierCreate]
) -> None:
    """Mappings may only name the program's own earning rules and rewards.

    Voucherify's examples key `rewards` by assignment (`rewa_…`) while the schema says
    reward ids; both are accepted.
    """
    rule_ids = {r.id for r in await repository.program_earning_rules(session, program.id)}
    assigned = await rewards.program_rewards(session, program)
    reward_keys = {a.id for a, _ in assigned} | {r.id for _, r in assigned}
    for index, item in enumerate(items):
        for key in item.earning_rules or {}:
            if key not in rule_ids:
                raise InvalidPayload(
                    f"[{index}].earning_rules: earning rule {key} is not in program {program.id}"
                )
        for key in item.rewards or {}:
            if key not in reward_keys:
                raise InvalidPayload(
                    f"[{index}].rewards: reward {key} is not assigned to program {program.id}"
                )


async def create_tiers(
    session: AsyncSession, ctx: RequestContext, campaign_key: str, items: Sequence[TierCreate]
) -> list[LoyaltyTier]:
    """Add tiers to a program, all or none; no two tiers of a program share a point."""
    program = await loyalty.get_program(session, ctx, campaign_key)
    await repository.lock_program_tiers(session, program.id)
    existing = await repository.program_tiers(session, program.id)
    ranges = [(_label(t.name, points_range(t)), points_range(t)) for t in existing]
    for item in items:
        points = rules.PointsRange(item.points.from_, item.points.to)
        ranges.append((_label(item.name, points), points))
    clash = rules.first_overlap(ranges)
    if clash is not None:
        raise InvalidPayload(f"Tier points ranges overlap: {clash[0]} and {clash[1]}")
    await _check_mapping_keys(session, program, items)
    for item in items:
        await metadata_schemas.check(session, ctx, "loyalty_tier", item.metadata)
    now = utcnow()
    tiers = [
        LoyaltyTier(
            id=new_id(Prefix.LOYALTY_TIER),
            project_id=ctx.project_id,
            campaign_id=program.id,
            name=item.name,
            points_from=item.points.from_,
            points_to=item.points.to,
            earning_rules=item.stored_mapping("earning_rules"),
            rewards=item.stored_mapping("rewards"),
            metadata_=dict(item.metadata or {}),
            created_at=now,
        )
        for item in items
    ]
    session.add_all(tiers)
    await session.flush()
    campaign = simple_campaign(program)
    for tier in tiers:
        await record_event(
            session,
            ctx,
            "campaign.loyalty_tier.created",
            entity_id=tier.id,
            data={"campaign": campaign, "loyalty_tier": tier_body(tier)},
        )
    return tiers


async def get_tier(
    session: AsyncSession, ctx: RequestContext, campaign_key: str, tier_id: str
) -> tuple[Campaign, LoyaltyTier]:
    program = await loyalty.get_program(session, ctx, campaign_key)
    tier = await repository.get_in_program(session, ctx.project_id, program.id, tier_id)
    if tier is None:
        raise NotFound("loyalty_tier", tier_id)
    return program, tier


async def list_tiers(
    session: AsyncSession,
    ctx: RequestContext,
    campaign_key: str,
    *,
    order: str | None,
    limit: int,
    page: int,
) -> tuple[Sequence[LoyaltyTier], int]:
    program = await loyalty.get_program(session, ctx, campaign_key)
    return await repository.list_page(session, program.id, order=order, limit=limit, page=page)


def _rule_available_to(rule_tier: dict[str, Any] | None, tier_id: str) -> bool:
    """Rules bound to one tier (tier events) are for that tier only."""
    bound = (rule_tier or {}).get("id")
    return bound in (None, ANY_TIER, tier_id)


async def tier_earning_rules(
    session: AsyncSession, ctx: RequestContext, campaign_key: str, tier_id: str
) -> list[dict[str, Any]]:
    """The program's earning rules open to the tier, with the tier's mapping applied to
    `loyalty` points, as Voucherify describes the list."""
    program, tier = await get_tier(session, ctx, campaign_key, tier_id)
    mapping = tier.earning_rules or {}
    return [
        tier_earning_rule_body(rule, rules.map_points(rule.loyalty, mapping.get(rule.id)))
        for rule in await repository.program_earning_rules(session, program.id)
        if _rule_available_to(rule.loyalty_tier, tier.id)
    ]


async def tier_rewards(
    session: AsyncSession, ctx: RequestContext, campaign_key: str, tier_id: str
) -> list[dict[str, Any]]:
    """The program's rewards, each assignment's points cost after the tier's mapping."""
    program, tier = await get_tier(session, ctx, campaign_key, tier_id)
    mapping = tier.rewards or {}
    bodies = []
    for assignment, reward in await rewards.program_rewards(session, program):
        rule = mapping.get(assignment.id) or mapping.get(reward.id)
        points = None if assignment.points is None else rules.apply_mapping(assignment.points, rule)
        bodies.append(tier_reward_body(reward, assignment, points))
    return bodies


async def member_tiers(
    session: AsyncSession, ctx: RequestContext, member_id: str
) -> list[dict[str, Any]]:
    """The member's current tier (Voucherify answers with a list: one card, one program)."""
    card = await loyalty.get_member(session, ctx, member_id)
    if card.loyalty_tier_id is None:
        return []
    tier = await repository.get(session, card.loyalty_tier_id)
    if tier is None:
        return []
    program = await loyalty.get_program(session, ctx, tier.campaign_id)
    settings = rules.tier_settings(program.extra.get("loyalty_tiers_expiration"))
    expires = rules.tier_expiration_date(settings, ctx.today())
    return [member_tier_body(tier, customer_id=card.holder_id, expires_on=expires)]


async def program_tiers(session: AsyncSession, program_id: str) -> Sequence[LoyaltyTier]:
    """Every tier of a program, lowest range first."""
    return await repository.program_tiers(session, program_id)
