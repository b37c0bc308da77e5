"""Aggregates of the points ledger for reports (the console's home page)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.loyalty import ledger, repository
from voucherd.vouchers.models import VoucherTransaction

# Points given to members (earned, granted, activated) and points members spent on rewards.
_ISSUED = (ledger.ACCRUAL, ledger.ADDITION, ledger.ACTIVATION)
_SPENT = (ledger.REDEMPTION,)


async def points_issued_and_spent(
    session: AsyncSession, project_id: str, since: datetime
) -> tuple[int, int]:
    issued = case((VoucherTransaction.type.in_(_ISSUED), VoucherTransaction.amount), else_=0)
    spent = case((VoucherTransaction.type.in_(_SPENT), -VoucherTransaction.amount), else_=0)
    row = (
        await session.execute(
            select(func.coalesce(func.sum(issued), 0), func.coalesce(func.sum(spent), 0)).where(
                VoucherTransaction.project_id == project_id,
                VoucherTransaction.created_at >= since,
                VoucherTransaction.type.in_((*_ISSUED, *_SPENT)),
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def latest_transactions(
    session: AsyncSession, project_id: str, card_id: str, limit: int = 50
) -> Sequence[VoucherTransaction]:
    """A card's ledger, newest first."""
    stmt = repository.transactions_query(project_id, voucher_id=card_id)
    return (
        (await session.execute(stmt.order_by(VoucherTransaction.id.desc()).limit(limit)))
        .scalars()
        .all()
    )
