"""Aggregates of the points ledger for reports (the console's home page)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.ids import Prefix
from voucherd.loyalty import ledger, repository
from voucherd.loyalty.models import PendingPoints
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


async def cards_by_holder(
    session: AsyncSession, program_id: str, holders: Collection[str]
) -> dict[str, Voucher]:
    """The program's cards of these customers, by holder: one query."""
    if not holders:
        return {}
    rows = await session.execute(
        select(Voucher).where(Voucher.campaign_id == program_id, Voucher.holder_id.in_(holders))
    )
    return {v.holder_id: v for v in rows.scalars().all() if v.holder_id}


async def points_earned_on_orders(
    session: AsyncSession, project_id: str, program_id: str, start: datetime, end: datetime
) -> list[tuple[str | None, str, int]]:
    """(holder, order id, points) the program's earning rules gave orders in [start, end):
    credited (the ledger's earn:{rule}:{order} entries) or held as pending and not cancelled.
    Two queries."""
    credited = await session.execute(
        select(Voucher.holder_id, VoucherTransaction.dedupe_key, VoucherTransaction.amount)
        .join(Voucher, Voucher.id == VoucherTransaction.voucher_id)
        .where(
            VoucherTransaction.project_id == project_id,
            VoucherTransaction.campaign_id == program_id,
            VoucherTransaction.type == ledger.ACCRUAL,
            VoucherTransaction.dedupe_key.like("earn:%"),
            VoucherTransaction.created_at >= start,
            VoucherTransaction.created_at < end,
        )
    )
    held = await session.execute(
        select(PendingPoints.customer_id, PendingPoints.order_id, PendingPoints.points).where(
            PendingPoints.project_id == project_id,
            PendingPoints.campaign_id == program_id,
            PendingPoints.status != "CANCELED",
            PendingPoints.order_id.is_not(None),
            PendingPoints.created_at >= start,
            PendingPoints.created_at < end,
        )
    )
    # Custom events earn with earn:{rule}:{event id}: only order ids count here.
    order_prefix = f"{Prefix.ORDER}_"
    found = [(h, (k or "").rsplit(":", 1)[-1], int(p)) for h, k, p in credited.all()]
    found = [row for row in found if row[1].startswith(order_prefix)]
    found += [(c, o, int(p)) for c, o, p in held.all() if o]
    return found
