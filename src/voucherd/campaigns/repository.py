"""Queries on campaigns."""

from __future__ import annotations

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.kit.clock import utcnow


async def get(session: AsyncSession, project_id: str, key: str) -> Campaign | None:
    """By id or by name (Voucherify accepts both)."""
    result = await session.execute(
        select(Campaign)
        .where(Campaign.project_id == project_id, or_(Campaign.id == key, Campaign.name == key))
        .order_by((Campaign.id == key).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def get_by_name(session: AsyncSession, project_id: str, name: str) -> Campaign | None:
    result = await session.execute(
        select(Campaign).where(Campaign.project_id == project_id, Campaign.name == name)
    )
    return result.scalar_one_or_none()


def list_query(project_id: str, *, campaign_type: str | None = None) -> Select[Campaign]:
    stmt = select(Campaign).where(Campaign.project_id == project_id)
    if campaign_type is not None:
        stmt = stmt.where(Campaign.campaign_type == campaign_type)
    return stmt


async def add_to_vouchers_count(session: AsyncSession, campaign_id: str, count: int) -> None:
    # Relative update: concurrent additions to one campaign must all count.
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(vouchers_count=Campaign.vouchers_count + count, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
