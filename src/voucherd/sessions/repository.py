"""Queries on validation sessions and on the sums of them each voucher row carries.

Every write here runs with the vouchers concerned locked by this transaction (`lock_vouchers`
first): the sums are then recomputed from the reservation rows, which no other transaction
can change meanwhile, or moved by one conditional UPDATE.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, insert, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from voucherd.kit.queries import filter_only
from voucherd.sessions.models import ValidationSession
from voucherd.vouchers.models import Voucher

_SUMS = ("locked_quantity", "locked_credits", "locks_expire_first", "locks_expire_last")


async def lock_vouchers(
    session: AsyncSession,
    project_id: str,
    *,
    keys: Collection[str] = (),
    session_key: str | None = None,
) -> list[Voucher]:
    """Lock, by id order (no deadlock between two such calls), the vouchers named by code or
    id in `keys` and those `session_key` holds; their values are read under the lock.

    The ids come from indexed reads (the project's codes, primary keys, the session's
    reservations), then the vouchers by primary key: an OR of the three inside one WHERE made
    both engines read every code of the project (tests/sessions/test_session_plans.py)."""
    named = [
        select(Voucher.id).where(Voucher.project_id == project_id, Voucher.code.in_(list(keys))),
        select(Voucher.id).where(
            Voucher.id.in_(list(keys)), filter_only(Voucher.project_id) == project_id
        ),
    ]
    if session_key is not None:
        named.append(
            select(ValidationSession.voucher_id).where(
                ValidationSession.project_id == project_id, ValidationSession.key == session_key
            )
        )
    stmt = (
        select(Voucher)
        .where(Voucher.id.in_(union_all(*named)))
        .order_by(Voucher.id)
        .with_for_update(key_share=True, of=Voucher)
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars().unique())


async def drop(
    session: AsyncSession,
    voucher_ids: Collection[str],
    now: datetime,
    *,
    session_key: str | None = None,
) -> list[tuple[str, str]]:
    """Delete the expired reservations on the (locked) vouchers and, with `session_key`,
    that session's; (voucher id, key) of each row deleted."""
    gone = ValidationSession.expires_at <= now
    if session_key is not None:
        gone = or_(gone, ValidationSession.key == session_key)
    rows = await session.execute(
        delete(ValidationSession)
        .where(ValidationSession.voucher_id.in_(list(voucher_ids)), gone)
        .returning(ValidationSession.voucher_id, ValidationSession.key)
        .execution_options(synchronize_session=False)
    )
    return [(r[0], r[1]) for r in rows]


async def release_live(
    session: AsyncSession, voucher_id: str, session_key: str, now: datetime
) -> bool:
    """Delete the session's running reservation on the (locked) voucher, and the voucher's
    expired ones; whether the session held it."""
    rows = await session.execute(
        delete(ValidationSession)
        .where(
            ValidationSession.voucher_id == voucher_id,
            or_(ValidationSession.key == session_key, ValidationSession.expires_at <= now),
        )
        .returning(ValidationSession.key, ValidationSession.expires_at)
        .execution_options(synchronize_session=False)
    )
    return any(key == session_key and expires > now for key, expires in rows)


def _aggregate(column: Any) -> Any:
    return (
        select(column)
        .where(ValidationSession.voucher_id == Voucher.id)
        .correlate(Voucher)
        .scalar_subquery()
    )


_RESUM = (
    update(Voucher)
    .where(Voucher.id == bindparam("voucher_id"))
    .values(
        locked_quantity=func.coalesce(_aggregate(func.sum(ValidationSession.quantity)), 0),
        locked_credits=func.coalesce(_aggregate(func.sum(ValidationSession.credits)), 0),
        locks_expire_first=_aggregate(func.min(ValidationSession.expires_at)),
        locks_expire_last=_aggregate(func.max(ValidationSession.expires_at)),
    )
    .returning(
        Voucher.locked_quantity,
        Voucher.locked_credits,
        Voucher.locks_expire_first,
        Voucher.locks_expire_last,
    )
    .execution_options(synchronize_session=False)
)


async def resum(session: AsyncSession, voucher: Voucher) -> None:
    """Recompute the voucher's sums from its reservation rows (the row is locked)."""
    row = (await session.execute(_RESUM, {"voucher_id": voucher.id})).one()
    for name, value in zip(_SUMS, row, strict=True):
        set_committed_value(voucher, name, value)


def _later(column: Any, when: Any) -> Any:
    return case((or_(column.is_(None), column < when), when), else_=column)


def _earlier(column: Any, when: Any) -> Any:
    return case((or_(column.is_(None), column > when), when), else_=column)


_EXPIRES = bindparam("expires_at", type_=Voucher.locks_expire_last.type)
_HOLD = (
    update(Voucher)
    .where(
        Voucher.id == bindparam("voucher_id"),
        # The sums count running reservations only (expired ones were dropped under the
        # lock): one more use must fit in what is left, and the credits in the free balance.
        or_(
            Voucher.redemption_quantity.is_(None),
            Voucher.redeemed_quantity + Voucher.locked_quantity + 1 <= Voucher.redemption_quantity,
        ),
        or_(
            bindparam("credits") == 0,
            and_(
                Voucher.gift_balance.is_not(None),
                Voucher.gift_balance - Voucher.locked_credits >= bindparam("credits"),
            ),
        ),
    )
    .values(
        locked_quantity=Voucher.locked_quantity + 1,
        locked_credits=Voucher.locked_credits + bindparam("credits"),
        locks_expire_first=_earlier(Voucher.locks_expire_first, _EXPIRES),
        locks_expire_last=_later(Voucher.locks_expire_last, _EXPIRES),
    )
    .returning(
        Voucher.locked_quantity,
        Voucher.locked_credits,
        Voucher.locks_expire_first,
        Voucher.locks_expire_last,
    )
    .execution_options(synchronize_session=False)
)


async def try_hold(
    session: AsyncSession, voucher: Voucher, credits: int, expires_at: datetime
) -> bool:
    """Add one reservation (a use and `credits`) to the voucher's sums; False, and nothing
    changed, when the use or the credits are not free."""
    params = {"voucher_id": voucher.id, "credits": credits, "expires_at": expires_at}
    row = (await session.execute(_HOLD, params)).first()
    if row is None:
        return False
    for name, value in zip(_SUMS, row, strict=True):
        set_committed_value(voucher, name, value)
    return True


async def insert_reservations(session: AsyncSession, rows: Sequence[dict[str, object]]) -> None:
    if rows:
        await session.execute(insert(ValidationSession), list(rows))


async def credits_held(
    session: AsyncSession, project_id: str, voucher_ids: Collection[str], now: datetime
) -> dict[str, int]:
    if not voucher_ids:
        return {}
    rows = await session.execute(
        select(ValidationSession.voucher_id, func.sum(ValidationSession.credits))
        .where(
            ValidationSession.project_id == project_id,
            ValidationSession.voucher_id.in_(list(voucher_ids)),
            ValidationSession.expires_at > now,
        )
        .group_by(ValidationSession.voucher_id)
    )
    return {voucher_id: int(total or 0) for voucher_id, total in rows}
