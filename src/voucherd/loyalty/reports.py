"""Aggregates of the points ledger for reports (the console's home page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.loyalty import ledger, repository
from voucherd.vouchers.models import PointsBucket, Voucher, VoucherTransaction

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


@dataclass(frozen=True)
class ProgramPoints:
    campaign_id: str
    cards: int
    balance: int  # spendable points held by members
    pending: int  # earned, not yet active


async def outstanding_points(session: AsyncSession, project_id: str) -> list[ProgramPoints]:
    """Points members hold, per loyalty program: one grouped statement over the cards."""
    rows = await session.execute(
        select(
            Voucher.campaign_id,
            func.count(),
            func.coalesce(func.sum(Voucher.loyalty_balance), 0),
            func.coalesce(func.sum(Voucher.loyalty_pending_points), 0),
        )
        .where(Voucher.project_id == project_id, Voucher.type == "LOYALTY_CARD")
        .group_by(Voucher.campaign_id)
        .order_by(Voucher.campaign_id)
    )
    return [
        ProgramPoints(str(campaign or ""), int(cards), int(balance or 0), int(pending or 0))
        for campaign, cards, balance, pending in rows.all()
    ]


async def expiring_by_month(
    session: AsyncSession, project_id: str, months: Sequence[date]
) -> dict[str, list[int]]:
    """Points that expire in each month starting at `months[i]` (first days, ascending; the
    last one only bounds), per program: conditional sums in one statement."""
    columns = [
        func.coalesce(
            func.sum(
                case(
                    (
                        and_(PointsBucket.expires_on >= start, PointsBucket.expires_on < end),
                        PointsBucket.remaining,
                    ),
                    else_=0,
                )
            ),
            0,
        )
        for start, end in pairwise(months)
    ]
    rows = await session.execute(
        select(PointsBucket.campaign_id, *columns)
        .where(
            PointsBucket.project_id == project_id,
            PointsBucket.remaining > 0,
            PointsBucket.expires_on >= months[0],
            PointsBucket.expires_on < months[-1],
        )
        .group_by(PointsBucket.campaign_id)
    )
    return {str(row[0] or ""): [int(v) for v in row[1:]] for row in rows.all()}
