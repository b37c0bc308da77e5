"""Console accounts: users, logins with throttling, sessions, and the audit log."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.console import passwords, repository
from voucherd.console.models import ROLES, AuditEntry, ConsoleSession, ConsoleUser
from voucherd.kit.clock import utcnow
from voucherd.kit.errors import DuplicateFound, InvalidPayload
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.security import hash_token

SESSION_LIFETIME = timedelta(hours=12)
# Five wrong passwords in a row lock the account for a quarter of an hour.
FAILURES_BEFORE_LOCK = 5
LOCK_DURATION = timedelta(minutes=15)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def create_user(
    session: AsyncSession, *, project_id: str, email: str, password: str, role: str
) -> ConsoleUser:
    email = normalise_email(email)
    if not _EMAIL.fullmatch(email) or len(email) > 320:
        raise InvalidPayload(f"{email!r} is not an email address")
    if role not in ROLES:
        raise InvalidPayload(f"role must be one of {', '.join(ROLES)}")
    if (problem := passwords.weakness(password)) is not None:
        raise InvalidPayload(problem)
    if await repository.user_by_email(session, email) is not None:
        raise DuplicateFound(f"A console user {email} already exists")
    user = ConsoleUser(
        id=new_id(Prefix.CONSOLE_USER),
        project_id=project_id,
        email=email,
        password_hash=passwords.hash_password(password),
        role=role,
        failed_logins=0,
        created_at=utcnow(),
    )
    session.add(user)
    await session.flush()
    return user


async def list_users(session: AsyncSession, project_id: str | None = None) -> Sequence[ConsoleUser]:
    return await repository.users(session, project_id)


@dataclass(frozen=True)
class LoginResult:
    user: ConsoleUser | None
    # Shown to the person logging in: never says whether the email exists.
    problem: str | None = None


async def log_in(session: AsyncSession, email: str, password: str) -> LoginResult:
    now = utcnow()
    user = await repository.user_by_email(session, normalise_email(email))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        passwords.verify(None, password)  # the same cost as any other answer
        return LoginResult(None, "Too many failed attempts: try again in a few minutes.")
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        if user is not None:
            await repository.count_failure(
                session, user.id, now=now, limit=FAILURES_BEFORE_LOCK, lock_for=LOCK_DURATION
            )
        return LoginResult(None, "Wrong email or password.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return LoginResult(user)


@dataclass(frozen=True)
class OpenedSession:
    token: str  # goes in the cookie; only its hash is stored
    csrf_token: str


async def open_session(session: AsyncSession, user: ConsoleUser) -> OpenedSession:
    now = utcnow()
    await repository.delete_expired_sessions(session, now)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            token_hash=hash_token(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await session.flush()
    return OpenedSession(token, csrf)


async def current(
    session: AsyncSession, token: str | None
) -> tuple[ConsoleSession, ConsoleUser] | None:
    if not token or len(token) > 200:
        return None
    return await repository.session_with_user(session, hash_token(token), utcnow())


async def close_session(session: AsyncSession, token: str | None) -> None:
    if token:
        await repository.delete_session(session, hash_token(token))


async def audit(
    session: AsyncSession,
    user: ConsoleUser,
    action: str,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record who changed what, with the object before and after, in the change's own
    transaction (an audit entry exists exactly when the change was committed)."""
    session.add(
        AuditEntry(
            id=new_id(Prefix.AUDIT),
            project_id=user.project_id,
            user_id=user.id,
            user_email=user.email,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
            created_at=utcnow(),
        )
    )


async def audit_log(session: AsyncSession, project_id: str) -> Sequence[AuditEntry]:
    return await repository.audit_page(session, project_id)
