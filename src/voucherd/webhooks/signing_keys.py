"""A project's webhook signing secrets: the current one and, during a rotation's grace
period, the previous one (both sign, so receivers can switch at their own pace)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.errors import NotFound
from voucherd.projects import service as projects
from voucherd.webhooks import repository
from voucherd.webhooks.models import WebhookSecret

# Long enough for a receiver team to deploy the new secret; operators can pass their own.
DEFAULT_GRACE = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class SigningSecrets:
    current: str
    previous: str | None
    previous_expires_at: datetime | None

    def valid(self, now: datetime) -> list[str]:
        """Secrets that sign now, current first."""
        if self.previous and self.previous_expires_at and now < self.previous_expires_at:
            return [self.current, self.previous]
        return [self.current]


async def load(session: AsyncSession, project_id: str) -> SigningSecrets:
    row = await repository.get_secret(session, project_id)
    if row is not None:
        return SigningSecrets(row.secret, row.previous_secret, row.previous_expires_at)
    project = await projects.get_project(session, project_id)
    if project is None:
        raise NotFound("project", project_id)
    return SigningSecrets(project.webhook_secret, None, None)


async def rotate(
    session: AsyncSession, project_id: str, *, grace: timedelta, now: datetime
) -> SigningSecrets:
    """A new current secret; the old one keeps signing until `now + grace`."""
    # Row lock: two rotations at once must not both keep the same "previous" secret.
    row = await repository.get_secret(session, project_id, for_update=True)
    old = await load(session, project_id)
    new = secrets.token_hex(24)
    expires = now + grace if grace > timedelta(0) else None
    previous = old.current if expires is not None else None
    if row is None:
        session.add(
            WebhookSecret(
                project_id=project_id,
                secret=new,
                previous_secret=previous,
                previous_expires_at=expires,
                rotated_at=now,
            )
        )
    else:
        row.secret = new
        row.previous_secret = previous
        row.previous_expires_at = expires
        row.rotated_at = now
    await session.flush()
    return SigningSecrets(new, previous, expires)
