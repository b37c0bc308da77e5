"""Queries on promotion tiers and stacks. Deleted tiers (soft delete) are never returned."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.kit.pagination import Sorts
from voucherd.promotions.models import PromotionStack, PromotionTier

# `order` of GET /v1/promotions/tiers (ParameterOrderListPromotionTiers) and of the stacks
# list (ParameterOrderListAllPromotionStacks); a never-updated row counts as updated when made.
TIER_SORTS: Sorts = {
    "created_at": PromotionTier.created_at,
    "updated_at": func.coalesce(PromotionTier.updated_at, PromotionTier.created_at),
    # The default: the order tiers apply in.
    "hierarchy": PromotionTier.hierarchy,
}
STACK_SORTS: Sorts = {
    "created_at": PromotionStack.created_at,
    "updated_at": func.coalesce(PromotionStack.updated_at, PromotionStack.created_at),
    "name": PromotionStack.name,
}


def _live_tier(project_id: str) -> ColumnElement[bool]:
    return and_(PromotionTier.project_id == project_id, PromotionTier.deleted.is_(False))


async def get_tier(session: AsyncSession, project_id: str, tier_id: str) -> PromotionTier | None:
    """The project's tier by id, unless deleted."""
    result = await session.execute(
        select(PromotionTier).where(_live_tier(project_id), PromotionTier.id == tier_id)
    )
    return result.scalar_one_or_none()


async def get_tiers(
    session: AsyncSession, project_id: str, tier_ids: Collection[str]
) -> dict[str, PromotionTier]:
    """The project's live tiers among `tier_ids`, by id (one query)."""
    if not tier_ids:
        return {}
    result = await session.execute(
        select(PromotionTier).where(_live_tier(project_id), PromotionTier.id.in_(list(tier_ids)))
    )
    return {tier.id: tier for tier in result.scalars()}


def tiers_query(
    project_id: str, *, campaign_id: str | None = None, available_at: datetime | None = None
) -> Select[PromotionTier]:
    """Live tiers; `available_at`: only those enabled, in their campaign's and their own
    dates at that moment, of an enabled campaign (`is_available`)."""
    stmt = select(PromotionTier).where(_live_tier(project_id))
    if campaign_id is not None:
        stmt = stmt.where(PromotionTier.campaign_id == campaign_id)
    if available_at is not None:
        now = available_at
        stmt = stmt.join(Campaign, Campaign.id == PromotionTier.campaign_id).where(
            PromotionTier.active.is_(True),
            Campaign.active.is_(True),
            or_(PromotionTier.start_date.is_(None), PromotionTier.start_date <= now),
            or_(PromotionTier.expiration_date.is_(None), PromotionTier.expiration_date >= now),
            or_(Campaign.start_date.is_(None), Campaign.start_date <= now),
            or_(Campaign.expiration_date.is_(None), Campaign.expiration_date >= now),
        )
    return stmt


async def tiers_of_campaigns(
    session: AsyncSession, project_id: str, campaign_ids: Collection[str]
) -> list[PromotionTier]:
    """Every live tier of these campaigns, in hierarchy order (one query)."""
    if not campaign_ids:
        return []
    result = await session.execute(
        select(PromotionTier)
        .where(_live_tier(project_id), PromotionTier.campaign_id.in_(list(campaign_ids)))
        .order_by(PromotionTier.hierarchy, PromotionTier.created_at, PromotionTier.id)
    )
    return list(result.scalars())


async def next_hierarchy(session: AsyncSession, campaign_id: str) -> int:
    """A tier added later goes after the campaign's others (deleted ones included, so a
    number is never reused)."""
    result = await session.execute(
        select(func.max(PromotionTier.hierarchy)).where(PromotionTier.campaign_id == campaign_id)
    )
    return int(result.scalar_one() or 0) + 1


async def get_stack(
    session: AsyncSession, project_id: str, campaign_id: str, stack_id: str
) -> PromotionStack | None:
    result = await session.execute(
        select(PromotionStack).where(
            PromotionStack.project_id == project_id,
            PromotionStack.campaign_id == campaign_id,
            PromotionStack.id == stack_id,
        )
    )
    return result.scalar_one_or_none()


def stacks_query(
    project_id: str,
    *,
    campaign_id: str | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> Select[PromotionStack]:
    stmt = select(PromotionStack).where(PromotionStack.project_id == project_id, *where)
    if campaign_id is not None:
        stmt = stmt.where(PromotionStack.campaign_id == campaign_id)
    return stmt


def stack_bounds(
    name: str, *, before: datetime | None, after: datetime | None
) -> list[ColumnElement[bool]]:
    """`created_at[before|after]` / `updated_at[before|after]` of the stacks list."""
    column: Any = PromotionStack.created_at if name == "created_at" else PromotionStack.updated_at
    out: list[ColumnElement[bool]] = []
    if before is not None:
        out.append(column < before)
    if after is not None:
        out.append(column > after)
    return out


async def unlink_category(session: AsyncSession, project_id: str, category_id: str) -> None:
    for model in (PromotionTier, PromotionStack):
        await session.execute(
            update(model)
            .where(model.project_id == project_id, model.category_id == category_id)
            .values(category_id=None)
        )
