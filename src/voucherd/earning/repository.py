"""Queries on earning rules and pending points.

Pending points change state only through conditional UPDATEs on `status = 'PENDING'`: of two
concurrent activations (or an activation racing a cancel) exactly one matches the row, so
points are credited at most once. On PostgreSQL the losing statement waits for the winner's
commit and then re-checks the condition; SQLite has a single writer anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.earning.models import EarningRule
from voucherd.kit.queries import reached_local_day
from voucherd.loyalty.models import PendingPoints

PENDING = "PENDING"
ACTIVATED = "ACTIVATED"
CANCELED = "CANCELED"

RULE_ORDERS = {
    None: (EarningRule.id.desc(),),
    "-created_at": (EarningRule.id.desc(),),
    "created_at": (EarningRule.id.asc(),),
    "updated_at": (EarningRule.updated_at.asc(), EarningRule.id.asc()),
    "-updated_at": (EarningRule.updated_at.desc(), EarningRule.id.desc()),
}


async def get_rule(
    session: AsyncSession, project_id: str, campaign_id: str, rule_id: str
) -> EarningRule | None:
    result = await session.execute(
        select(EarningRule).where(
            EarningRule.id == rule_id,
            EarningRule.project_id == project_id,
            EarningRule.campaign_id == campaign_id,
        )
    )
    return result.scalar_one_or_none()


async def get_rule_by_id(session: AsyncSession, rule_id: str) -> EarningRule | None:
    return await session.get(EarningRule, rule_id)


async def list_rules(
    session: AsyncSession,
    project_id: str,
    campaign_id: str,
    *,
    order: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[EarningRule], int]:
    where = (EarningRule.project_id == project_id, EarningRule.campaign_id == campaign_id)
    total = await session.scalar(select(func.count()).select_from(EarningRule).where(*where))
    rows = await session.execute(
        select(EarningRule).where(*where).order_by(*RULE_ORDERS[order]).offset(offset).limit(limit)
    )
    return rows.scalars().all(), int(total or 0)


# Built once: every paid order reads it.
_ACTIVE_RULES = (
    select(EarningRule)
    .where(
        EarningRule.project_id == bindparam("project_id"),
        EarningRule.event == bindparam("event"),
        EarningRule.active.is_(True),
    )
    .order_by(EarningRule.id)
)


async def active_rules_for_event(
    session: AsyncSession, project_id: str, event: str
) -> Sequence[EarningRule]:
    """Enabled rules of every program of the project for one event, oldest first."""
    result = await session.execute(_ACTIVE_RULES, {"project_id": project_id, "event": event})
    return result.scalars().all()


async def delete_rule(session: AsyncSession, rule_id: str) -> None:
    await session.execute(
        delete(EarningRule)
        .where(EarningRule.id == rule_id)
        .execution_options(synchronize_session=False)
    )


async def insert_pending_once(session: AsyncSession, entry: PendingPoints) -> bool:
    """Insert the entry unless this card already holds one for the same rule and order."""
    try:
        # Added inside the savepoint: a conflicting INSERT outside one would abort the whole
        # transaction (PostgreSQL), taking the order's own changes with it.
        async with session.begin_nested():
            session.add(entry)
            await session.flush()
    except IntegrityError:
        if entry in session:
            session.expunge(entry)
        return False
    return True


def pending_query(
    project_id: str, *, campaign_id: str | None = None, voucher_id: str | None = None
) -> Select[PendingPoints]:
    """Entries still pending: activated or cancelled ones leave the lists (Voucherify)."""
    stmt = select(PendingPoints).where(
        PendingPoints.project_id == project_id, PendingPoints.status == PENDING
    )
    if campaign_id is not None:
        stmt = stmt.where(PendingPoints.campaign_id == campaign_id)
    if voucher_id is not None:
        stmt = stmt.where(PendingPoints.voucher_id == voucher_id)
    return stmt


async def get_pending(
    session: AsyncSession, project_id: str, entry_id: str
) -> PendingPoints | None:
    result = await session.execute(
        select(PendingPoints).where(
            PendingPoints.id == entry_id, PendingPoints.project_id == project_id
        )
    )
    return result.scalar_one_or_none()


async def leave_pending(session: AsyncSession, entry_id: str, status: str, now: datetime) -> bool:
    """PENDING -> `status`; False when another request (or the job) moved it first."""
    result = await session.execute(
        update(PendingPoints)
        .where(PendingPoints.id == entry_id, PendingPoints.status == PENDING)
        .values(status=status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def adjust_pending(session: AsyncSession, entry_id: str, points: int, now: datetime) -> bool:
    """Move a pending entry's points by `points`, never below zero and only while pending."""
    result = await session.execute(
        update(PendingPoints)
        .where(
            PendingPoints.id == entry_id,
            PendingPoints.status == PENDING,
            PendingPoints.points + points >= 0,
        )
        .values(points=PendingPoints.points + points, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def due_pending(
    session: AsyncSession,
    today_by_date: Mapping[date, Sequence[str]],
    limit: int,
    skip: Sequence[str] = (),
) -> list[tuple[str, str]]:
    """(entry id, project id) of pending entries whose activation day has come in their
    project's zone (`today_by_date`: local date -> project ids)."""
    stmt = select(PendingPoints.id, PendingPoints.project_id).where(
        PendingPoints.status == PENDING,
        reached_local_day(PendingPoints.project_id, PendingPoints.activates_at, today_by_date),
    )
    if skip:
        stmt = stmt.where(PendingPoints.id.not_in(list(skip)))
    result = await session.execute(
        stmt.order_by(PendingPoints.activates_at, PendingPoints.id).limit(limit)
    )
    return [(row[0], row[1]) for row in result.all()]
