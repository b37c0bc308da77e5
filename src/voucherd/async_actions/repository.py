"""Queries on async actions: the list, and the worker's claim / advance / finish under a lease."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from voucherd.async_actions.models import DONE, ENQUEUED, FAILED, IN_PROGRESS, AsyncAction

A = AsyncAction


async def get(session: AsyncSession, project_id: str, action_id: str) -> AsyncAction | None:
    stmt = select(A).where(A.project_id == project_id, A.id == action_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(
    session: AsyncSession, project_id: str, *, limit: int, created_before: datetime | None
) -> Sequence[AsyncAction]:
    """Newest first; one row more than `limit`, so the caller knows whether there is more."""
    stmt = select(A).where(A.project_id == project_id)
    if created_before is not None:
        stmt = stmt.where(A.created_at < created_before)
    stmt = stmt.order_by(A.created_at.desc(), A.id.desc()).limit(limit + 1)
    return (await session.execute(stmt)).scalars().all()


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    lease_until: datetime,
    token: str,
    skip_locked: bool,
) -> AsyncAction | None:
    """Lease the oldest open action nobody holds (or whose holder's lease ran out).

    On PostgreSQL the row is locked with SKIP LOCKED, so concurrent workers take different
    actions without waiting, and a row whose holder is mid-chunk (its advance() UPDATE holds
    the row lock) is skipped rather than taken from under it. On SQLite this runs in one
    BEGIN IMMEDIATE transaction, exclusive across processes.
    """
    stmt = (
        select(A)
        .options(undefer(A.payload))
        .where(
            A.status.in_((ENQUEUED, IN_PROGRESS)),
            or_(A.lease_until.is_(None), A.lease_until <= now),
        )
        # Never-started actions first, then the one served least recently (round-robin).
        .order_by(A.updated_at.asc().nulls_first(), A.created_at, A.id)
        .limit(1)
    )
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True)
    action = (await session.execute(stmt)).scalar_one_or_none()
    if action is None:
        return None
    action.lease_token = token
    action.lease_until = lease_until
    action.status = IN_PROGRESS
    action.attempts += 1
    action.started_at = action.started_at or now
    action.updated_at = now
    await session.flush()
    return action


async def hold(
    session: AsyncSession,
    action_id: str,
    token: str,
    position: int,
    *,
    now: datetime,
    lease_until: datetime,
) -> bool:
    """Renew our lease, if the action is still ours and still where we left it.

    Runs first in each chunk's transaction: the conditional UPDATE is the guard against a
    second worker having taken the action over (then rowcount is 0 and the chunk is not
    written), and on PostgreSQL it locks the row until the chunk commits, so no one can take
    it over mid-chunk either.
    """
    result = await session.execute(
        update(A)
        .where(A.id == action_id, A.lease_token == token, A.position == position)
        .values(lease_until=lease_until, updated_at=now)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


async def advance(
    session: AsyncSession,
    action_id: str,
    *,
    position: int,
    total: int,
    done: int,
    failed: list[dict[str, Any]],
    failed_cap: int,
    finished: bool,
    release: bool,
    now: datetime,
) -> None:
    """Record a chunk: the new position and counts move in the chunk's own transaction."""
    action = await session.get(A, action_id)
    assert action is not None  # hold() just updated it in this transaction
    action.position = position
    action.total = total
    action.done_count += done
    action.failed_count += len(failed)
    room = failed_cap - len(action.failed)
    if failed and room > 0:
        # A new list: the JSON column is not mutation-tracked.
        action.failed = [*action.failed, *failed[:room]]
    action.updated_at = now
    if finished:
        action.status = DONE
        action.finished_at = now
    if finished or release:
        # Handed back: any worker (this one too) may claim it at once.
        action.lease_token = None
        action.lease_until = None
    await session.flush()


async def fail(
    session: AsyncSession, action_id: str, token: str, message: str, now: datetime
) -> None:
    """The action cannot go on (its input is unreadable, or a bug): FAILED, with the reason."""
    await session.execute(
        update(A)
        .where(A.id == action_id, A.lease_token == token)
        .values(
            status=FAILED,
            error=message[:2000],
            finished_at=now,
            updated_at=now,
            lease_token=None,
            lease_until=None,
        )
    )
