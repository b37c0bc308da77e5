"""Queries on loyalty tiers, and the member's tier on the card row.

Some reads cross into other domains' tables, read-only: the program's earning rules and reward
assignments (a tier's mappings point at them) and a card's ledger (points earned in a period).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.earning.models import EarningRule
from voucherd.kit.db import advisory_xact_lock
from voucherd.kit.timefmt import as_utc
from voucherd.tiers.models import LoyaltyTier
from voucherd.vouchers.models import Voucher, VoucherTransaction


async def get(session: AsyncSession, tier_id: str) -> LoyaltyTier | None:
    return await session.get(LoyaltyTier, tier_id)


async def get_in_program(
    session: AsyncSession, project_id: str, campaign_id: str, tier_id: str
) -> LoyaltyTier | None:
    result = await session.execute(
        select(LoyaltyTier).where(
            LoyaltyTier.id == tier_id,
            LoyaltyTier.project_id == project_id,
            LoyaltyTier.campaign_id == campaign_id,
        )
    )
    return result.scalar_one_or_none()


# Built once: every points movement re-checks the member's tier.
_PROGRAM_TIERS = (
    select(LoyaltyTier)
    .where(LoyaltyTier.campaign_id == bindparam("campaign_id"))
    .order_by(LoyaltyTier.points_from, LoyaltyTier.id)
)


async def program_tiers(session: AsyncSession, campaign_id: str) -> Sequence[LoyaltyTier]:
    """Every tier of a program, lowest range first."""
    result = await session.execute(_PROGRAM_TIERS, {"campaign_id": campaign_id})
    return result.scalars().all()


ORDERINGS: dict[str, Any] = {
    "created_at": (LoyaltyTier.created_at, LoyaltyTier.id),
    "-created_at": (LoyaltyTier.created_at.desc(), LoyaltyTier.id.desc()),
    "updated_at": (LoyaltyTier.updated_at, LoyaltyTier.id),
    "-updated_at": (LoyaltyTier.updated_at.desc(), LoyaltyTier.id.desc()),
}


async def list_page(
    session: AsyncSession, campaign_id: str, *, order: str | None, limit: int, page: int
) -> tuple[Sequence[LoyaltyTier], int]:
    """One page of a program's tiers and their total; by points range unless `order` is set
    (Voucherify's example lists Bottom, Middle, Top although Top was created first)."""
    stmt = select(LoyaltyTier).where(LoyaltyTier.campaign_id == campaign_id)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    columns = ORDERINGS.get(order or "", (LoyaltyTier.points_from, LoyaltyTier.id))
    rows = await session.execute(stmt.order_by(*columns).offset((page - 1) * limit).limit(limit))
    return rows.scalars().all(), int(total or 0)


async def lock_program_tiers(session: AsyncSession, campaign_id: str) -> None:
    """Serialize tier creation per program until the transaction ends.

    Two bulk creates checking "no overlap with the existing tiers" at once would both pass and
    insert overlapping ranges. On PostgreSQL a transaction-scoped advisory lock keyed on the
    program makes the second wait for the first to commit; SQLite has one writer anyway.
    """
    await advisory_xact_lock(session, f"loyalty_tiers:{campaign_id}")


async def program_earning_rules(session: AsyncSession, campaign_id: str) -> Sequence[EarningRule]:
    result = await session.execute(
        select(EarningRule).where(EarningRule.campaign_id == campaign_id).order_by(EarningRule.id)
    )
    return result.scalars().all()


async def set_card_tier(
    session: AsyncSession, card_id: str, old_tier_id: str | None, new_tier_id: str | None
) -> bool:
    """Move the card from `old_tier_id` to `new_tier_id`; False if it was not in the old one.

    Conditional on the tier we computed from, so a tier change is applied (and its event
    recorded) once even if two recomputations of the same card ever raced; the ledger's card
    row lock already serializes them on the balance path.
    """
    current = (
        Voucher.loyalty_tier_id.is_(None)
        if old_tier_id is None
        else Voucher.loyalty_tier_id == old_tier_id
    )
    result = await session.execute(
        update(Voucher)
        .where(Voucher.id == card_id, current)
        .values(loyalty_tier_id=new_tier_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def points_earned(
    session: AsyncSession, card_id: str, kinds: frozenset[str], since: date, until: date | None
) -> int:
    """Points the card earned by credits of `kinds` from day `since` up to (not including)
    day `until`, UTC days."""
    stmt = select(func.coalesce(func.sum(VoucherTransaction.amount), 0)).where(
        VoucherTransaction.voucher_id == card_id,
        VoucherTransaction.type.in_(sorted(kinds)),
        VoucherTransaction.created_at >= _day_start(since),
    )
    if until is not None:
        stmt = stmt.where(VoucherTransaction.created_at < _day_start(until))
    return int(await session.scalar(stmt) or 0)


def _day_start(day: date) -> datetime:
    return as_utc(datetime.combine(day, time.min))


async def programs_with_tiers(session: AsyncSession) -> list[tuple[str, str]]:
    """(project id, program id) of every program that has tiers."""
    result = await session.execute(
        select(LoyaltyTier.project_id, LoyaltyTier.campaign_id).distinct()
    )
    return [(project_id, campaign_id) for project_id, campaign_id in result.all()]


async def members_in_wrong_tier(
    session: AsyncSession, program_ids: Sequence[str], limit: int
) -> list[str]:
    """Members of balance-qualified programs whose stored tier is not the one their balance
    falls in: tiers added after they got their points, or cards that never moved since."""
    if not program_ids:
        return []
    balance = func.coalesce(Voucher.loyalty_balance, 0)
    result = await session.execute(
        select(Voucher.id)
        .outerjoin(
            LoyaltyTier,
            and_(
                LoyaltyTier.campaign_id == Voucher.campaign_id,
                LoyaltyTier.points_from <= balance,
                or_(LoyaltyTier.points_to.is_(None), LoyaltyTier.points_to >= balance),
            ),
        )
        .where(
            Voucher.campaign_id.in_(list(program_ids)),
            Voucher.type == "LOYALTY_CARD",
            # Unpublished cards get their tier when they are handed to a customer.
            Voucher.holder_id.is_not(None),
            Voucher.loyalty_tier_id.is_distinct_from(LoyaltyTier.id),
        )
        .order_by(Voucher.id)
        .limit(limit)
    )
    return list(result.scalars())


async def lock_card(session: AsyncSession, card_id: str) -> Voucher | None:
    """The card row, locked like the ledger locks it, so a tier recomputed here cannot
    interleave with a points movement recomputing it too."""
    result = await session.execute(
        select(Voucher)
        .where(Voucher.id == card_id)
        # Only the card: its category is outer-joined in, which PostgreSQL cannot lock.
        .with_for_update(key_share=True, of=Voucher)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()
