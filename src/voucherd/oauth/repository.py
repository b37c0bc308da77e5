"""Queries on OAuth tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.oauth.models import OAuthToken
from voucherd.projects.models import ApiKey


async def find_live(session: AsyncSession, token_hash: str) -> tuple[OAuthToken, ApiKey] | None:
    """The unrevoked token with this digest and its unrevoked App key (expiry is the caller's
    to judge, against the one clock)."""
    result = await session.execute(
        select(OAuthToken, ApiKey)
        .join(ApiKey, ApiKey.id == OAuthToken.api_key_id)
        .where(
            OAuthToken.token_hash == token_hash,
            OAuthToken.revoked_at.is_(None),
            ApiKey.revoked_at.is_(None),
        )
    )
    row = result.one_or_none()
    return None if row is None else (row[0], row[1])


async def revoke(session: AsyncSession, project_id: str, token_hash: str, at: datetime) -> bool:
    # Conditional UPDATE: a token is revoked once, and only by its own project.
    result = await session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.project_id == project_id,
            OAuthToken.token_hash == token_hash,
            OAuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )
    return bool(getattr(result, "rowcount", 0))
