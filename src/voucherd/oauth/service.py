"""Issuing, introspecting, revoking and verifying OAuth 2.0 client-credentials tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import InvalidPayload, Unauthorized
from voucherd.kit.ids import Prefix, new_id, new_token
from voucherd.kit.security import hash_token
from voucherd.oauth import repository
from voucherd.oauth.models import OAuthToken
from voucherd.oauth.scopes import parse_scope
from voucherd.projects import repository as keys

# Voucherify: "The token expires in 900 seconds (15 minutes)."
TOKEN_LIFETIME = timedelta(seconds=900)
GRANT_TYPE = "client_credentials"


@dataclass(frozen=True, slots=True)
class Grant:
    """What a live bearer token may do, as the request edge needs it."""

    project_id: str
    app_id: str
    key_name: str
    scope: tuple[str, ...]
    expires_at: datetime


def _token_body(token: str, app_id: str, scope: str, expires_at: datetime) -> dict[str, Any]:
    return {
        "access_token": token,
        "client_id": app_id,
        "expires_at": int(expires_at.timestamp()),
        "expires_in": max(0, int((expires_at - utcnow()).total_seconds())),
        "scope": scope,
        "token_type": "Bearer",
    }


async def issue(session: AsyncSession, ctx: RequestContext, form: dict[str, str]) -> dict[str, Any]:
    grant_type = form.get("grant_type", GRANT_TYPE)
    if grant_type != GRANT_TYPE:
        raise InvalidPayload(
            f"Unsupported grant_type {grant_type!r}: only {GRANT_TYPE!r} is supported",
            key="invalid_grant_type",
        )
    scope = " ".join(parse_scope(form.get("scope")))
    found = await keys.get_active_key(session, "app", ctx.app_id or "")
    if found is None:  # revoked between authentication and now
        raise Unauthorized("Invalid credentials")
    key = found[0]
    token = f"{Prefix.OAUTH_TOKEN}_{new_token()}"
    now = utcnow()
    expires_at = now + TOKEN_LIFETIME
    session.add(
        OAuthToken(
            id=new_id(Prefix.OAUTH_TOKEN),
            project_id=ctx.project_id,
            api_key_id=key.id,
            token_hash=hash_token(token),
            scope=scope,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return _token_body(token, key.key_id, scope, expires_at)


def _required_token(form: dict[str, str]) -> str:
    token = form.get("access_token")
    if not token:
        raise InvalidPayload("Missing access_token", key="missing_access_token")
    return token


async def verify(session: AsyncSession, token: str) -> Grant | None:
    """The grant of a live token: issued, unrevoked, unexpired, its App key unrevoked."""
    found = await repository.find_live(session, hash_token(token))
    if found is None:
        return None
    row, key = found
    if row.expires_at <= utcnow() or key.project_id is None:
        return None
    return Grant(row.project_id, key.key_id, key.name, tuple(row.scope.split()), row.expires_at)


async def introspect(
    session: AsyncSession, ctx: RequestContext, form: dict[str, str]
) -> dict[str, Any]:
    token = _required_token(form)
    grant = await verify(session, token)
    # RFC 7662: a token that is unknown, expired, revoked or another project's is inactive.
    if grant is None or grant.project_id != ctx.project_id:
        return {"active": False}
    body = _token_body(token, grant.app_id, " ".join(grant.scope), grant.expires_at)
    return {**body, "active": True}


async def revoke(session: AsyncSession, ctx: RequestContext, form: dict[str, str]) -> str:
    """Revokes the token (RFC 7009: an unknown token is no error); returns its digest."""
    token_hash = hash_token(_required_token(form))
    await repository.revoke(session, ctx.project_id, token_hash, utcnow())
    return token_hash
