"""Queries on loyalty tiers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.tiers.models import LoyaltyTier


async def get(session: AsyncSession, tier_id: str) -> LoyaltyTier | None:
    return await session.get(LoyaltyTier, tier_id)
