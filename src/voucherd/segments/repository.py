"""Queries on segments and their stored members."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import Select, bindparam, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.segments.models import CustomerSegment, Segment

DYNAMIC = ("auto-update", "passive")

# Rows per INSERT of members: 3 parameters each keeps a batch far below PostgreSQL's 32,767
# bind parameters and SQLite's limit.
MEMBERS_PER_INSERT = 1000


async def get(session: AsyncSession, project_id: str, segment_id: str) -> Segment | None:
    result = await session.execute(
        select(Segment).where(Segment.project_id == project_id, Segment.id == segment_id)
    )
    return result.scalar_one_or_none()


async def count_dynamic(session: AsyncSession, project_id: str) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(Segment)
        .where(Segment.project_id == project_id, Segment.type.in_(DYNAMIC))
    )
    return int(result.scalar_one())


_OF_TYPE = select(Segment).where(
    Segment.project_id == bindparam("project_id"), Segment.type == bindparam("type")
)


async def of_type(session: AsyncSession, project_id: str, segment_type: str) -> list[Segment]:
    result = await session.execute(_OF_TYPE, {"project_id": project_id, "type": segment_type})
    return list(result.scalars())


async def by_ids(session: AsyncSession, project_id: str, ids: Collection[str]) -> list[Segment]:
    if not ids:
        return []
    result = await session.execute(
        select(Segment).where(Segment.project_id == project_id, Segment.id.in_(set(ids)))
    )
    return list(result.scalars())


async def existing_ids(session: AsyncSession, project_id: str, ids: Collection[str]) -> set[str]:
    if not ids:
        return set()
    result = await session.execute(
        select(Segment.id).where(Segment.project_id == project_id, Segment.id.in_(set(ids)))
    )
    return set(result.scalars())


async def key_share_existing(session: AsyncSession, ids: Collection[str]) -> set[str]:
    """Those of `ids` still in the table, held FOR KEY SHARE (PostgreSQL) until commit: a
    concurrent deletion has either committed (the id is left out) or waits for us, so
    memberships inserted for the ids returned never point at a deleted segment."""
    if not ids:
        return set()
    stmt = select(Segment.id).where(Segment.id.in_(set(ids)))
    result = await session.execute(stmt.with_for_update(read=True, key_share=True))
    return set(result.scalars())


_STORED_OF_CUSTOMER = select(CustomerSegment.segment_id).where(
    CustomerSegment.customer_id == bindparam("customer_id")
)


async def stored_segment_ids(session: AsyncSession, customer_id: str) -> set[str]:
    """The static and auto-update segments holding the customer (one index read)."""
    result = await session.execute(_STORED_OF_CUSTOMER, {"customer_id": customer_id})
    return set(result.scalars())


async def add_members(
    session: AsyncSession, rows: Iterable[tuple[str, str]], entered_at: datetime
) -> None:
    """Insert (segment_id, customer_id) memberships, in batches."""
    values = [{"segment_id": s, "customer_id": c, "entered_at": entered_at} for s, c in rows]
    for start in range(0, len(values), MEMBERS_PER_INSERT):
        await session.execute(insert(CustomerSegment), values[start : start + MEMBERS_PER_INSERT])


async def remove_memberships(
    session: AsyncSession, customer_id: str, segment_ids: Collection[str]
) -> None:
    if segment_ids:
        await session.execute(
            delete(CustomerSegment).where(
                CustomerSegment.customer_id == customer_id,
                CustomerSegment.segment_id.in_(set(segment_ids)),
            )
        )


def member_ids_query(segment_id: str) -> Select[str]:
    """Ids of the stored members of a segment, for `customer_id IN (...)` in another query."""
    return select(CustomerSegment.customer_id).where(CustomerSegment.segment_id == segment_id)
