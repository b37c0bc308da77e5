"""Queries on the event log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.events.models import Event


async def list_events(
    session: AsyncSession, project_id: str, *, event_type: str | None = None, limit: int = 100
) -> Sequence[Event]:
    stmt = select(Event).where(Event.project_id == project_id)
    if event_type is not None:
        stmt = stmt.where(Event.type == event_type)
    result = await session.execute(stmt.order_by(Event.id).limit(limit))
    return result.scalars().all()
