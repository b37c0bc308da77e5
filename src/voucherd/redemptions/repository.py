"""Queries on redemptions and rollbacks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.pagination import Sorts
from voucherd.redemptions.models import Redemption
from voucherd.vouchers.models import Voucher


async def get(session: AsyncSession, project_id: str, redemption_id: str) -> Redemption | None:
    result = await session.execute(
        select(Redemption).where(
            Redemption.project_id == project_id, Redemption.id == redemption_id
        )
    )
    return result.scalar_one_or_none()


async def lock(session: AsyncSession, redemption_id: str) -> None:
    """Row-lock a stacked parent before touching any of its children (see rollback.py).

    FOR NO KEY UPDATE, like the status change that the parent's own rollback makes, so the
    two exclude each other; SQLite renders no FOR clause (one writer anyway).
    """
    await session.execute(
        select(Redemption.id).where(Redemption.id == redemption_id).with_for_update(key_share=True)
    )


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


# `order` values of GET /v1/redemptions. A redemption keeps its voucher's id, not its code,
# so `voucher_code` reads the code per row (no code: a promotion tier's, or a stacked
# parent's, sorts as the empty string, as do missing tracking and customer ids).
SORTS: Sorts = {
    "created_at": Redemption.created_at,
    "voucher_code": func.coalesce(
        select(Voucher.code).where(Voucher.id == Redemption.voucher_id).scalar_subquery(), ""
    ),
    "tracking_id": func.coalesce(Redemption.tracking_id, ""),
    "customer_id": func.coalesce(Redemption.customer_id, ""),
}


def list_query(
    project_id: str,
    *,
    customer_id: str | None = None,
    campaign_id: str | None = None,
    order_id: str | None = None,
    result: Sequence[str] | None = None,
    voucher_id: str | None = None,
) -> Select[Redemption]:
    stmt = select(Redemption).where(Redemption.project_id == project_id)
    for column, value in (
        (Redemption.customer_id, customer_id),
        (Redemption.campaign_id, campaign_id),
        (Redemption.order_id, order_id),
        (Redemption.voucher_id, voucher_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if result:
        stmt = stmt.where(Redemption.result.in_(set(result)))
    return stmt


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition: ColumnElement[bool], value: SQLColumnExpression[int]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


async def campaign_totals(
    session: AsyncSession,
    project_id: str,
    campaign_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, int]:
    """Counts and amounts of a campaign's redemptions and rollbacks created in [since, until)."""
    scope = [Redemption.project_id == project_id, Redemption.campaign_id == campaign_id]
    if since is not None:
        scope.append(Redemption.created_at >= since)
    if until is not None:
        scope.append(Redemption.created_at < until)
    is_redemption = Redemption.object == "redemption"
    is_rollback = Redemption.object == "redemption_rollback"
    redeemed = and_(is_redemption, Redemption.result == "SUCCESS")
    row = (
        await session.execute(
            select(
                _count(redeemed).label("redemptions_succeeded"),
                _count(and_(is_redemption, Redemption.result == "FAILURE")).label(
                    "redemptions_failed"
                ),
                _count(and_(is_rollback, Redemption.result == "SUCCESS")).label(
                    "rollbacks_succeeded"
                ),
                _count(and_(is_rollback, Redemption.result == "FAILURE")).label("rollbacks_failed"),
                _total(redeemed, Redemption.amount).label("discounted_amount"),
                # A rollback row carries the negated amount of what it undid.
                _total(is_rollback, -Redemption.amount).label("rolledback_discounted_amount"),
            ).where(*scope)
        )
    ).one()
    # Each order counts once however many of the campaign's codes it used; its amount is the
    # one the redemption saw (the order snapshot), before discounts.
    per_order = (
        select(
            func.max(Redemption.order_snapshot["amount"].as_integer()).label("amount"),
            func.max(case((Redemption.status == "ROLLED_BACK", 1), else_=0)).label("rolled"),
        )
        .where(*scope, redeemed, Redemption.order_id.is_not(None))
        .group_by(Redemption.order_id)
        .subquery()
    )
    orders = (
        await session.execute(
            select(
                func.coalesce(func.sum(per_order.c.amount), 0),
                _total(per_order.c.rolled == 1, per_order.c.amount),
            )
        )
    ).one()
    totals = {key: int(value) for key, value in row._mapping.items()}
    totals["orders_amount"] = int(orders[0])
    totals["orders_rolledback_amount"] = int(orders[1])
    return totals
