"""Promotion rules: PROMOTION campaigns with their tiers, tier changes (soft delete,
enable/disable), stacks of a campaign's tiers, and the events each change records.

Whether a tier applies to a cart is the engine's business (promotions/redeemables.py); here
a tier is only stored, shown and switched on or off.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.schemas import CampaignCreate
from voucherd.campaigns.serializers import simple_campaign
from voucherd.categories import service as categories
from voucherd.categories.models import Category
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.timefmt import as_utc
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.promotions import repository
from voucherd.promotions.models import PromotionStack, PromotionTier
from voucherd.promotions.schemas import (
    StackCreate,
    StackTiers,
    StackUpdate,
    TierCreate,
    TierFields,
    TierUpdate,
)
from voucherd.promotions.serializers import stack_body, tier_body, tiers_list
from voucherd.rules import service as rules

PROMOTION = "PROMOTION"


# --------------------------------------------------------------------------- reads


async def promotion_campaign(session: AsyncSession, ctx: RequestContext, key: str) -> Campaign:
    """The project's PROMOTION campaign by id or name; any other campaign is not one (404)."""
    campaign = await campaigns.get(session, ctx, key)
    if campaign.campaign_type != PROMOTION:
        raise NotFound("campaign", key)
    return campaign


async def get_tier(session: AsyncSession, ctx: RequestContext, tier_id: str) -> PromotionTier:
    tier = await repository.get_tier(session, ctx.project_id, tier_id)
    if tier is None:
        raise NotFound("promotion_tier", tier_id)
    return tier


async def _categories(
    session: AsyncSession, ctx: RequestContext, ids: Collection[str | None]
) -> dict[str, Category]:
    found: dict[str, Category] = {}
    for category_id in {i for i in ids if i}:
        try:
            found[category_id] = await categories.get(session, ctx, category_id)
        except NotFound:
            continue
    return found


async def tier_bodies(
    session: AsyncSession, ctx: RequestContext, tiers: Sequence[PromotionTier]
) -> list[dict[str, Any]]:
    """Full bodies: rule assignments in one query; campaigns and categories once each."""
    assignments = await rules.assignments_of(session, ctx, [t.id for t in tiers])
    cats = await _categories(session, ctx, [t.category_id for t in tiers])
    owners: dict[str, Campaign] = {}
    for campaign_id in dict.fromkeys(t.campaign_id for t in tiers):
        owners[campaign_id] = await campaigns.get_by_id(session, ctx, campaign_id)
    return [
        tier_body(
            tier,
            owners[tier.campaign_id],
            assignments=assignments.get(tier.id, []),
            categories=[cats[tier.category_id]] if tier.category_id in cats else [],
        )
        for tier in tiers
    ]


async def full_tier(
    session: AsyncSession, ctx: RequestContext, tier: PromotionTier
) -> dict[str, Any]:
    return (await tier_bodies(session, ctx, [tier]))[0]


async def promotion_bodies(
    session: AsyncSession, ctx: RequestContext, owners: Sequence[Campaign]
) -> dict[str, dict[str, Any]]:
    """`promotion` of each PROMOTION campaign among `owners` (its live tiers, hierarchy
    order), by campaign id."""
    ids = [c.id for c in owners if c.campaign_type == PROMOTION]
    tiers = await repository.tiers_of_campaigns(session, ctx.project_id, ids)
    bodies = await tier_bodies(session, ctx, tiers)
    grouped: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for body in bodies:
        grouped[body["campaign_id"]].append(body)
    return {i: tiers_list(items, len(items), has_more=False) for i, items in grouped.items()}


async def campaign_tiers(
    session: AsyncSession, ctx: RequestContext, key: str
) -> list[PromotionTier]:
    campaign = await promotion_campaign(session, ctx, key)
    return await repository.tiers_of_campaigns(session, ctx.project_id, [campaign.id])


# --------------------------------------------------------------------------- events


async def _record_tier(
    session: AsyncSession, ctx: RequestContext, kind: str, tier: PromotionTier
) -> None:
    # WH `EventCampaignPromotionTier`: {campaign: SimpleCampaign, promotion_tier}.
    campaign = await campaigns.get_by_id(session, ctx, tier.campaign_id)
    await record_event(
        session,
        ctx,
        f"campaign.promotion_tier.{kind}",
        entity_id=tier.id,
        data={
            "campaign": simple_campaign(campaign),
            "promotion_tier": await full_tier(session, ctx, tier),
        },
    )


# --------------------------------------------------------------------------- tiers


async def create_campaign(
    session: AsyncSession, ctx: RequestContext, data: CampaignCreate
) -> Campaign:
    """`POST /v1/campaigns` with `campaign_type: PROMOTION`: the campaign (its events and
    rules as any campaign), then its tiers, hierarchy 1, 2, … in array order unless given."""
    campaign = await campaigns.create(session, ctx, data)
    for index, spec in enumerate((data.promotion.tiers if data.promotion else None) or []):
        await _add_tier(session, ctx, campaign, spec, default_hierarchy=index + 1)
    return campaign


async def add_tier(
    session: AsyncSession, ctx: RequestContext, key: str, data: TierCreate
) -> PromotionTier:
    campaign = await promotion_campaign(session, ctx, key)
    hierarchy = await repository.next_hierarchy(session, campaign.id)
    return await _add_tier(session, ctx, campaign, data, default_hierarchy=hierarchy)


async def _add_tier(
    session: AsyncSession,
    ctx: RequestContext,
    campaign: Campaign,
    data: TierCreate,
    *,
    default_hierarchy: int,
) -> PromotionTier:
    await metadata_schemas.check(session, ctx, "promotion_tier", data.metadata)
    if data.action is None or data.action.discount is None:
        raise InvalidPayload("action.discount is required: a tier gives a discount")
    category = await categories.resolve(
        session, ctx, category_id=data.category_id, name=data.category
    )
    now = utcnow()
    tier = PromotionTier(
        id=new_id(Prefix.PROMOTION_TIER),
        project_id=ctx.project_id,
        campaign_id=campaign.id,
        name=data.name,
        banner=data.banner,
        action=_action(data),
        hierarchy=default_hierarchy if data.hierarchy is None else data.hierarchy,
        active=True if data.active is None else data.active,
        deleted=False,
        start_date=as_utc(data.start_date) if data.start_date else None,
        expiration_date=as_utc(data.expiration_date) if data.expiration_date else None,
        category_id=category.id if category else None,
        redeemed_quantity=0,
        total_amount=0,
        total_discount_amount=0,
        metadata_=dict(data.metadata or {}),
        created_at=now,
        **data.stored_windows(),
    )
    _check_dates(tier)
    session.add(tier)
    await session.flush()
    if data.validation_rules:
        await rules.assign_inline(session, ctx, data.validation_rules, "promotion_tier", tier.id)
    await _record_tier(session, ctx, "created", tier)
    return tier


def _action(data: TierFields) -> dict[str, Any]:
    assert data.action is not None and data.action.discount is not None
    discount = data.action.discount
    # Formulas are parsed now, as a voucher's: a tier never stores one that cannot run.
    discount.check_formulas()
    return {"discount": discount.as_stored()}


def _check_dates(tier: PromotionTier) -> None:
    if tier.start_date and tier.expiration_date and tier.expiration_date < tier.start_date:
        raise InvalidPayload("expiration_date must not be before start_date")


async def update_tier(
    session: AsyncSession, ctx: RequestContext, tier_id: str, data: TierUpdate
) -> PromotionTier:
    await metadata_schemas.check(session, ctx, "promotion_tier", data.metadata)
    tier = await get_tier(session, ctx, tier_id)
    fields = data.model_fields_set
    if data.name is not None:
        tier.name = data.name
    if "banner" in fields:
        tier.banner = data.banner
    # An `action` without a discount is what SDKs send for a field left alone: no change
    # (a tier always keeps a discount).
    if data.action is not None and data.action.discount is not None:
        tier.action = _action(data)
    if data.hierarchy is not None:
        tier.hierarchy = data.hierarchy
    if data.active is not None:
        tier.active = data.active
    if "metadata" in fields:
        tier.metadata_ = dict(data.metadata or {})
    if "start_date" in fields:
        tier.start_date = as_utc(data.start_date) if data.start_date else None
    if "expiration_date" in fields:
        tier.expiration_date = as_utc(data.expiration_date) if data.expiration_date else None
    _check_dates(tier)
    for name, value in data.stored_windows().items():
        setattr(tier, name, value)
    if data.category_id or data.category:
        category = await categories.resolve(
            session, ctx, category_id=data.category_id, name=data.category
        )
        tier.category_id = category.id if category else None
    elif "category_id" in fields and data.category_id is None and "category" not in fields:
        tier.category_id = None
    tier.updated_at = utcnow()
    await session.flush()
    if data.validation_rules is not None:
        await rules.assign_inline(session, ctx, data.validation_rules, "promotion_tier", tier.id)
    await _record_tier(session, ctx, "updated", tier)
    return tier


async def set_tier_active(
    session: AsyncSession, ctx: RequestContext, tier_id: str, active: bool
) -> PromotionTier:
    tier = await get_tier(session, ctx, tier_id)
    tier.active = active
    tier.updated_at = utcnow()
    await session.flush()
    await _record_tier(session, ctx, "enabled" if active else "disabled", tier)
    return tier


async def delete_tier(session: AsyncSession, ctx: RequestContext, tier_id: str) -> None:
    """Soft delete: redemptions keep naming the tier, but it never lists, qualifies or
    redeems again. Its rule assignments go (their events name it)."""
    tier = await get_tier(session, ctx, tier_id)
    await _record_tier(session, ctx, "deleted", tier)
    await rules.assign_inline(session, ctx, [], "promotion_tier", tier.id)
    tier.deleted = True
    tier.updated_at = utcnow()
    await session.flush()


# --------------------------------------------------------------------------- stacks


async def stack_full(
    session: AsyncSession, ctx: RequestContext, stack: PromotionStack
) -> dict[str, Any]:
    cats = await _categories(session, ctx, [stack.category_id])
    return stack_body(stack, [cats[stack.category_id]] if stack.category_id in cats else [])


async def stack_bodies(
    session: AsyncSession, ctx: RequestContext, stacks: Sequence[PromotionStack]
) -> list[dict[str, Any]]:
    cats = await _categories(session, ctx, [s.category_id for s in stacks])
    return [stack_body(s, [cats[s.category_id]] if s.category_id in cats else []) for s in stacks]


async def get_stack(
    session: AsyncSession, ctx: RequestContext, key: str, stack_id: str
) -> PromotionStack:
    campaign = await promotion_campaign(session, ctx, key)
    stack = await repository.get_stack(session, ctx.project_id, campaign.id, stack_id)
    if stack is None:
        raise NotFound("promotion_stack", stack_id)
    return stack


async def _stack_tiers(
    session: AsyncSession, ctx: RequestContext, campaign: Campaign, spec: StackTiers
) -> dict[str, Any]:
    """The stack's tier ids, each once and each a live tier of this campaign."""
    if len(set(spec.ids)) != len(spec.ids):
        raise InvalidPayload("tiers.ids must not name a tier twice")
    found = await repository.get_tiers(session, ctx.project_id, spec.ids)
    for tier_id in spec.ids:
        tier = found.get(tier_id)
        if tier is None:
            raise NotFound("promotion_tier", tier_id)
        if tier.campaign_id != campaign.id:
            raise InvalidPayload(
                f"Promotion tier {tier_id} is not a tier of campaign {campaign.id}"
            )
    return {"ids": list(spec.ids), "hierarchy_mode": "MANUAL"}


async def create_stack(
    session: AsyncSession, ctx: RequestContext, key: str, data: StackCreate
) -> PromotionStack:
    campaign = await promotion_campaign(session, ctx, key)
    tiers = await _stack_tiers(session, ctx, campaign, data.tiers)
    category = await categories.get(session, ctx, data.category_id) if data.category_id else None
    stack = PromotionStack(
        id=new_id(Prefix.PROMOTION_STACK),
        project_id=ctx.project_id,
        campaign_id=campaign.id,
        name=data.name,
        tiers=tiers,
        category_id=category.id if category else None,
        created_at=utcnow(),
    )
    session.add(stack)
    await session.flush()
    return stack


async def update_stack(
    session: AsyncSession, ctx: RequestContext, key: str, stack_id: str, data: StackUpdate
) -> PromotionStack:
    stack = await get_stack(session, ctx, key, stack_id)
    campaign = await promotion_campaign(session, ctx, key)
    if data.name is not None:
        stack.name = data.name
    if data.tiers is not None:
        stack.tiers = await _stack_tiers(session, ctx, campaign, data.tiers)
    if data.category_id:
        stack.category_id = (await categories.get(session, ctx, data.category_id)).id
    elif "category_id" in data.model_fields_set:
        stack.category_id = None
    stack.updated_at = utcnow()
    await session.flush()
    return stack


async def delete_stack(session: AsyncSession, ctx: RequestContext, key: str, stack_id: str) -> None:
    stack = await get_stack(session, ctx, key, stack_id)
    await session.delete(stack)
    await session.flush()


@categories.on_delete
async def _leave_deleted_category(session: AsyncSession, project_id: str, category_id: str) -> None:
    await repository.unlink_category(session, project_id, category_id)
