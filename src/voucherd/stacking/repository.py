"""Queries on stacking rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.stacking.models import StackingRulesRow


async def get_for_project(session: AsyncSession, project_id: str) -> StackingRulesRow | None:
    result = await session.execute(
        select(StackingRulesRow).where(StackingRulesRow.project_id == project_id)
    )
    return result.scalar_one_or_none()
