"""Queries on the event log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
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


async def count_for_customer(
    session: AsyncSession, project_id: str, customer_id: str, *, type_prefix: str = ""
) -> int:
    """Events naming the customer (by the indexed `customer_id`), optionally of one family."""
    stmt = select(func.count()).where(
        Event.project_id == project_id, Event.customer_id == customer_id
    )
    if type_prefix:
        stmt = stmt.where(Event.type.startswith(type_prefix, autoescape=True))
    return int((await session.execute(stmt)).scalar_one())
