"""Queries on redemptions and rollbacks."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.redemptions.models import Redemption


async def get(session: AsyncSession, project_id: str, redemption_id: str) -> Redemption | None:
    result = await session.execute(
        select(Redemption).where(
            Redemption.project_id == project_id, Redemption.id == redemption_id
        )
    )
    return result.scalar_one_or_none()


async def children(session: AsyncSession, parent_id: str) -> Sequence[Redemption]:
    result = await session.execute(
        select(Redemption)
        .where(Redemption.parent_id == parent_id, Redemption.object == "redemption")
        .order_by(Redemption.id)
    )
    return result.scalars().all()


async def mark_rolled_back(session: AsyncSession, redemption_id: str) -> bool:
    """SUCCEEDED -> ROLLED_BACK for exactly one caller, however many roll back at once."""
    result = await session.execute(
        update(Redemption)
        .where(Redemption.id == redemption_id, Redemption.status == "SUCCEEDED")
        .values(status="ROLLED_BACK")
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_query(
    project_id: str,
    *,
    customer_id: str | None = None,
    campaign_id: str | None = None,
    order_id: str | None = None,
    result: str | None = None,
    voucher_id: str | None = None,
) -> Select[Redemption]:
    stmt = select(Redemption).where(Redemption.project_id == project_id)
    for column, value in (
        (Redemption.customer_id, customer_id),
        (Redemption.campaign_id, campaign_id),
        (Redemption.order_id, order_id),
        (Redemption.result, result),
        (Redemption.voucher_id, voucher_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt
