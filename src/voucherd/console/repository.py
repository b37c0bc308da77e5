"""Queries on console users, sessions and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.console.models import AuditEntry, ConsoleSession, ConsoleUser


async def user_by_email(session: AsyncSession, email: str) -> ConsoleUser | None:
    result = await session.execute(select(ConsoleUser).where(ConsoleUser.email == email))
    return result.scalar_one_or_none()


async def users(session: AsyncSession, project_id: str | None = None) -> Sequence[ConsoleUser]:
    stmt = select(ConsoleUser).order_by(ConsoleUser.email)
    if project_id is not None:
        stmt = stmt.where(ConsoleUser.project_id == project_id)
    return (await session.execute(stmt)).scalars().all()


async def count_failure(
    session: AsyncSession, user_id: str, *, now: datetime, limit: int, lock_for: timedelta
) -> None:
    """One more failed login, relative and in one statement (concurrent guesses all count);
    the one that reaches `limit` locks the account for `lock_for`."""
    await session.execute(
        update(ConsoleUser)
        .where(ConsoleUser.id == user_id)
        .values(
            failed_logins=ConsoleUser.failed_logins + 1,
            locked_until=case(
                (ConsoleUser.failed_logins + 1 >= limit, now + lock_for),
                else_=ConsoleUser.locked_until,
            ),
        )
        .execution_options(synchronize_session=False)
    )


async def session_with_user(
    session: AsyncSession, token_hash: str, now: datetime
) -> tuple[ConsoleSession, ConsoleUser] | None:
    result = await session.execute(
        select(ConsoleSession, ConsoleUser)
        .join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
        .where(ConsoleSession.token_hash == token_hash, ConsoleSession.expires_at > now)
    )
    row = result.first()
    return (row[0], row[1]) if row is not None else None


async def delete_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))


async def delete_expired_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))


async def audit_page(
    session: AsyncSession, project_id: str, limit: int = 100
) -> Sequence[AuditEntry]:
    result = await session.execute(
        select(AuditEntry)
        .where(AuditEntry.project_id == project_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return result.scalars().all()
