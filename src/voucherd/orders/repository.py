"""Queries on orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.pagination import Sorts
from voucherd.kit.queries import in_project
from voucherd.orders.models import Order


async def get_by_id_or_source_id(
    session: AsyncSession, project_id: str, key: str, *, for_update: bool = False
) -> Order | None:
    stmt = (
        select(Order)
        .where(Order.project_id == project_id, or_(Order.id == key, Order.source_id == key))
        .order_by((Order.id == key).desc())
        .limit(1)
    )
    if for_update:
        stmt = stmt.with_for_update(key_share=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_by_source_id(
    session: AsyncSession, project_id: str, source_id: str, *, for_update: bool = False
) -> Order | None:
    stmt = select(Order).where(Order.project_id == project_id, Order.source_id == source_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=True)
    return (await session.execute(stmt)).scalar_one_or_none()


# `order` values of GET /v1/orders; never-updated counts as updated when created.
SORTS: Sorts = {
    "created_at": Order.created_at,
    "updated_at": func.coalesce(Order.updated_at, Order.created_at),
}


def list_query(project_id: str, *, customer_id: str | None = None) -> Select[Order]:
    narrowed = customer_id is not None  # a customer's orders: by their index
    stmt = select(Order).where(in_project(Order.project_id, project_id, narrowed=narrowed))
    if customer_id is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    return stmt


async def mark_paid_once(session: AsyncSession, order_id: str, paid_at: datetime) -> bool:
    """True for exactly one caller per order, however many save it as PAID at once.

    The conditional UPDATE is the guard: concurrent requests queue on the row and all but
    the first find `paid_at` already set (rowcount 0).
    """
    result = await session.execute(
        update(Order)
        .where(Order.id == order_id, Order.paid_at.is_(None))
        .values(paid_at=paid_at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
