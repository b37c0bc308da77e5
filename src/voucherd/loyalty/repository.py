"""Queries on loyalty cards' points: the cached balance, buckets and ledger rows.

Every change to a card's points starts with one conditional UPDATE of its `vouchers` row.
That statement is the concurrency guard (a spend that would go below zero matches no row)
and, on PostgreSQL, it takes the card's row lock, so the bucket and ledger writes that follow
in the same transaction are serialized per card. SQLite has a single writer anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Date,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from voucherd.kit import filters
from voucherd.kit.clock import utcnow
from voucherd.kit.queries import reached_local_day
from voucherd.vouchers.models import PointsBucket, Voucher, VoucherTransaction


def _delta(name: str) -> BindParameter[int]:
    return bindparam(name, type_=BigInteger)


# Built once (the statement is rebuilt for nothing otherwise on every points movement).
_BALANCE = func.coalesce(Voucher.loyalty_balance, 0)
_ADD_TO_BALANCE = (
    update(Voucher)
    .where(Voucher.id == bindparam("card_id"), Voucher.type == "LOYALTY_CARD")
    .values(
        loyalty_balance=_BALANCE + _delta("points"),
        loyalty_points=func.coalesce(Voucher.loyalty_points, 0) + _delta("lifetime"),
        redeemed_points=Voucher.redeemed_points + _delta("redeemed_points"),
        redeemed_quantity=Voucher.redeemed_quantity + _delta("redeemed_quantity"),
        loyalty_subtracted_points=func.coalesce(Voucher.loyalty_subtracted_points, 0)
        + _delta("subtracted"),
        loyalty_expired_points=func.coalesce(Voucher.loyalty_expired_points, 0) + _delta("expired"),
        updated_at=bindparam("now", type_=Voucher.updated_at.type),
    )
    .returning(Voucher)
    .execution_options(synchronize_session=False, populate_existing=True)
)
# A take matches no row when the card has fewer points: that is the guard.
_TAKE_FROM_BALANCE = _ADD_TO_BALANCE.where(_BALANCE + _delta("points") >= 0)
# A spend also matches no row while any bucket is past its last valid day (the card's cached
# soonest expiry is before today): the balance still counts points the expiry job has not
# removed yet, and they must not be spent. The ledger then expires them under the card's lock
# and tries again (ledger.debit); the expiry's own take is the plain one above.
_SPEND_FROM_BALANCE = _TAKE_FROM_BALANCE.where(
    or_(
        Voucher.loyalty_next_expiration_date.is_(None),
        Voucher.loyalty_next_expiration_date >= bindparam("today", type_=Date),
    )
)
# A redemption also takes one use of the card's `redemption.quantity` in the same statement,
# so concurrent reward redemptions cannot all pass a limit checked beforehand (the second
# waits on the row, then re-checks both conditions).
_REDEEM_FROM_BALANCE = _SPEND_FROM_BALANCE.where(
    or_(
        Voucher.redemption_quantity.is_(None),
        Voucher.redeemed_quantity + _delta("redeemed_quantity") <= Voucher.redemption_quantity,
    )
)


async def add_to_balance(
    session: AsyncSession,
    card_id: str,
    points: int,
    *,
    lifetime: int = 0,
    redeemed_points: int = 0,
    redeemed_quantity: int = 0,
    subtracted: int = 0,
    expired: int = 0,
    spendable_on: date | None = None,
) -> Voucher | None:
    """Move the cached balance by `points` (negative = take), never below zero.

    Returns the card as the statement left it (RETURNING, loaded into the session: no
    second read), or None when the card has fewer than `-points` (or is gone), or when a
    take counting `redeemed_quantity` uses would exceed the card's `redemption.quantity`.
    The other counters move by the given deltas in the same statement. With `spendable_on`,
    a take also matches no row while the card holds points whose last valid day is before
    that date (a spend; an expiry passes no date).
    """
    params: dict[str, Any] = {
        "card_id": card_id,
        "points": points,
        "lifetime": lifetime,
        "redeemed_points": redeemed_points,
        "redeemed_quantity": redeemed_quantity,
        "subtracted": subtracted,
        "expired": expired,
        "now": utcnow(),
    }
    if points >= 0:
        stmt = _ADD_TO_BALANCE
    elif spendable_on is None:
        stmt = _TAKE_FROM_BALANCE
    else:
        stmt = _REDEEM_FROM_BALANCE if redeemed_quantity > 0 else _SPEND_FROM_BALANCE
        params["today"] = spendable_on
    return (await session.execute(stmt, params)).scalar_one_or_none()


_PENDING = func.coalesce(Voucher.loyalty_pending_points, 0)
_ADD_TO_PENDING = (
    update(Voucher)
    .where(Voucher.id == bindparam("card_id"), _PENDING + _delta("points") >= 0)
    .values(
        loyalty_pending_points=_PENDING + _delta("points"),
        updated_at=bindparam("now", type_=Voucher.updated_at.type),
    )
    .returning(Voucher)
    .execution_options(synchronize_session=False, populate_existing=True)
)


async def add_to_pending(session: AsyncSession, card_id: str, points: int) -> Voucher | None:
    """Move the card's pending total; returns the card as the statement left it (loaded into
    the session, as `add_to_balance` does), or None if the total would go below zero."""
    params = {"card_id": card_id, "points": points, "now": utcnow()}
    return (await session.execute(_ADD_TO_PENDING, params)).scalar_one_or_none()


_SPENDABLE_BUCKETS = (
    select(PointsBucket)
    .where(
        PointsBucket.voucher_id == bindparam("card_id"),
        PointsBucket.remaining > 0,
        # Never a bucket past its last valid day, expiry job or not (ledger.debit expires
        # those first, so with a consistent cache none is ever left out here).
        or_(
            PointsBucket.expires_on.is_(None),
            PointsBucket.expires_on >= bindparam("today", type_=Date),
        ),
    )
    .order_by(
        case((PointsBucket.expires_on.is_(None), 1), else_=0),
        PointsBucket.expires_on,
        PointsBucket.id,
    )
)


async def spendable_buckets(
    session: AsyncSession, card_id: str, today: date
) -> Sequence[PointsBucket]:
    """Buckets holding points still valid `today`, soonest-expiring first, never-expiring last."""
    result = await session.execute(_SPENDABLE_BUCKETS, {"card_id": card_id, "today": today})
    return result.scalars().all()


async def overdue_buckets(
    session: AsyncSession, card_id: str, today: date
) -> Sequence[PointsBucket]:
    result = await session.execute(
        select(PointsBucket)
        .where(
            PointsBucket.voucher_id == card_id,
            PointsBucket.remaining > 0,
            PointsBucket.expires_on < today,
        )
        .order_by(PointsBucket.expires_on, PointsBucket.id)
    )
    return result.scalars().all()


async def overdue_and_next(
    session: AsyncSession, card_id: str, today: date
) -> tuple[int, date | None, int | None]:
    """Points in buckets past their last valid day, and the soonest expiry (date, points)
    among the buckets still valid `today`: one grouped read, soonest first."""
    rows = await session.execute(
        select(PointsBucket.expires_on, func.sum(PointsBucket.remaining))
        .where(
            PointsBucket.voucher_id == card_id,
            PointsBucket.remaining > 0,
            PointsBucket.expires_on.is_not(None),
        )
        .group_by(PointsBucket.expires_on)
        .order_by(PointsBucket.expires_on)
    )
    overdue = 0
    for expires, points in rows.all():
        if expires is not None and expires < today:
            overdue += int(points)
        else:
            return overdue, expires, int(points)
    return overdue, None, None


async def cards_with_overdue_points(
    session: AsyncSession,
    today_by_date: Mapping[date, Sequence[str]],
    limit: int,
    skip: Sequence[str] = (),
) -> list[str]:
    """Cards holding points past their last valid day in their project's zone
    (`today_by_date`: local date -> project ids)."""
    stmt = select(PointsBucket.voucher_id).where(
        reached_local_day(
            PointsBucket.project_id, PointsBucket.expires_on, today_by_date, passed=True
        ),
        PointsBucket.remaining > 0,
    )
    if skip:
        stmt = stmt.where(PointsBucket.voucher_id.not_in(list(skip)))
    result = await session.execute(stmt.group_by(PointsBucket.voucher_id).limit(limit))
    return list(result.scalars())


async def buckets_by_id(session: AsyncSession, ids: Sequence[str]) -> dict[str, PointsBucket]:
    if not ids:
        return {}
    result = await session.execute(select(PointsBucket).where(PointsBucket.id.in_(list(ids))))
    return {b.id: b for b in result.scalars()}


async def set_next_expiration(
    session: AsyncSession, card: Voucher, expires: date | None, points: int | None
) -> None:
    await session.execute(
        update(Voucher)
        .where(Voucher.id == card.id)
        .values(loyalty_next_expiration_date=expires, loyalty_next_expiration_points=points)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(card, "loyalty_next_expiration_date", expires)
    set_committed_value(card, "loyalty_next_expiration_points", points)


async def refresh_next_expiration(session: AsyncSession, card: Voucher) -> None:
    """Cache the soonest expiry date of the card and how many points expire then."""
    row = (
        await session.execute(
            select(PointsBucket.expires_on, func.sum(PointsBucket.remaining))
            .where(
                PointsBucket.voucher_id == card.id,
                PointsBucket.remaining > 0,
                PointsBucket.expires_on.is_not(None),
            )
            .group_by(PointsBucket.expires_on)
            .order_by(PointsBucket.expires_on)
            .limit(1)
        )
    ).first()
    await set_next_expiration(session, card, row[0] if row else None, int(row[1]) if row else None)


# The filters Voucherify's spec gives a member's transaction lists (a program's list takes
# campaigns.repository.TRANSACTION_FILTERS: id and voucher_id).
MEMBER_TRANSACTION_FILTERS: filters.Fields = {
    "id": (VoucherTransaction.id, filters.Kind.STRING),
    "created_at": (VoucherTransaction.created_at, filters.Kind.DATETIME),
}


def transactions_query(
    project_id: str,
    *,
    voucher_id: str | None = None,
    campaign_id: str | None = None,
    where: ColumnElement[bool] | None = None,
) -> Any:
    stmt = select(VoucherTransaction).where(VoucherTransaction.project_id == project_id)
    if where is not None:
        stmt = stmt.where(where)
    if voucher_id is not None:
        stmt = stmt.where(VoucherTransaction.voucher_id == voucher_id)
    if campaign_id is not None:
        stmt = stmt.where(VoucherTransaction.campaign_id == campaign_id)
    return stmt


async def expiring_buckets(
    session: AsyncSession, project_id: str, voucher_id: str, *, limit: int, offset: int
) -> tuple[Sequence[PointsBucket], int]:
    """One page of the card's points that will expire, soonest first, and how many in all."""
    where = (
        PointsBucket.project_id == project_id,
        PointsBucket.voucher_id == voucher_id,
        PointsBucket.remaining > 0,
        PointsBucket.expires_on.is_not(None),
    )
    total = await session.scalar(select(func.count()).select_from(PointsBucket).where(*where))
    rows = await session.execute(
        select(PointsBucket)
        .where(*where)
        .order_by(PointsBucket.expires_on, PointsBucket.id)
        .limit(limit)
        .offset(offset)
    )
    return rows.scalars().all(), int(total or 0)


def members_query(project_id: str, campaign_id: str, customer_id: str | None) -> Any:
    stmt = select(Voucher).where(
        Voucher.project_id == project_id, Voucher.campaign_id == campaign_id
    )
    if customer_id is not None:
        stmt = stmt.where(Voucher.holder_id == customer_id)
    return stmt


async def ledger_sum(session: AsyncSession, card_id: str) -> int:
    """Sum of the card's ledger (tests and consistency checks compare it to the balance)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(VoucherTransaction.amount), 0)).where(
            VoucherTransaction.voucher_id == card_id
        )
    )
    return int(total or 0)


async def buckets_sum(session: AsyncSession, card_id: str) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsBucket.remaining), 0)).where(
            PointsBucket.voucher_id == card_id
        )
    )
    return int(total or 0)
