"""Queries on stacking rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.stacking.models import StackingRulesRow


async def get_for_project(
    session: AsyncSession, project_id: str, *, for_update: bool = False
) -> StackingRulesRow | None:
    stmt = select(StackingRulesRow).where(StackingRulesRow.project_id == project_id)
    if for_update:
        stmt = stmt.with_for_update()
    result = await session.execute(stmt)
    return result.scalar_one_or_none()
