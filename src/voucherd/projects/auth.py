"""Request authentication: App keys (or OAuth bearer tokens they issued) on `/v1/*`,
Management keys on `/management/v1/*`."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit import idempotency
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext, current_request_id
from voucherd.kit.errors import ApiError, Unauthorized
from voucherd.kit.http import get_session, get_session_of
from voucherd.kit.ids import new_request_id
from voucherd.kit.security import hash_token
from voucherd.oauth import service as oauth
from voucherd.oauth.scopes import allows
from voucherd.projects import service

# Verified keys are remembered briefly so the hot path skips a query; a revoked key stops
# working within this many seconds in every process.
AUTH_CACHE_SECONDS = 10.0
_cache: dict[tuple[str, str, str], tuple[float, str | None, str]] = {}
# OAuth grants by token digest, remembered as briefly; expiry is checked on every use against
# the one clock, and a revocation in this process forgets the grant at once.
_grants: dict[str, tuple[float, oauth.Grant]] = {}
BEARER = "bearer "


def clear_auth_cache() -> None:
    _cache.clear()
    _grants.clear()


def forget_grant(token_hash: str) -> None:
    _grants.pop(token_hash, None)


async def _verify_bearer(session: AsyncSession, token: str, path: str) -> oauth.Grant:
    if path.startswith("/v1/oauth/"):
        raise Unauthorized(
            "OAuth tokens are issued, read and revoked with X-App-Id and X-App-Token"
        )
    token_hash = hash_token(token)
    hit = _grants.get(token_hash)
    now = time.monotonic()
    grant = hit[1] if hit is not None and hit[0] > now else await oauth.verify(session, token)
    if grant is None or grant.expires_at <= utcnow():
        _grants.pop(token_hash, None)
        raise Unauthorized("Invalid, expired or revoked OAuth token")
    _grants[token_hash] = (now + AUTH_CACHE_SECONDS, grant)
    if not allows(grant.scope, path):
        raise ApiError(
            f"The token's scope ({' '.join(grant.scope)}) does not cover {path}",
            status=403,
            key="insufficient_scope",
            message="Forbidden",
        )
    return grant


async def _verify(
    session: AsyncSession, kind: str, key_id: str | None, token: str | None
) -> tuple[str | None, str]:
    if not key_id or not token:
        raise Unauthorized(
            "Missing credentials: send X-App-Id and X-App-Token (or Authorization: Bearer)"
            if kind == "app"
            else "Missing credentials: send X-Management-Id and X-Management-Token"
        )
    cache_key = (kind, key_id, hash_token(token))
    hit = _cache.get(cache_key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    key = await service.authenticate(session, kind, key_id, token)
    if key is None:
        raise Unauthorized("Invalid credentials")
    _cache[cache_key] = (now + AUTH_CACHE_SECONDS, key.project_id, key.name)
    return key.project_id, key.name


async def app_context(request: Request) -> RequestContext:
    # Headers are read here rather than declared as FastAPI `Header` parameters: those are
    # validated one by one on every request, a measurable share of a whole redemption.
    headers = request.headers
    x_app_id = headers.get("x-app-id")
    x_app_token = headers.get("x-app-token")
    session = get_session_of(request)
    authorization = headers.get("authorization")
    if x_app_id is None and authorization and authorization[:7].lower() == BEARER:
        grant = await _verify_bearer(session, authorization[7:].strip(), request.url.path)
        project_id: str | None = grant.project_id
        name, x_app_id = grant.key_name, grant.app_id
    else:
        project_id, name = await _verify(session, "app", x_app_id, x_app_token)
    assert project_id is not None and x_app_id is not None
    # Idempotency-Key (kit/idempotency.py): claimed only once the key is known to be genuine,
    # so a stored answer is replayed to the API key that caused it and to no other.
    await idempotency.claim(session, request, project_id=project_id, api_key_id=x_app_id)
    return RequestContext(
        project_id=project_id,
        request_id=current_request_id.get() or new_request_id(),
        channel="API",
        api_key_name=name,
        app_id=x_app_id,
    )


async def management_context(request: Request) -> str:
    """Returns the management key id; management keys see every project."""
    x_management_id = request.headers.get("x-management-id")
    x_management_token = request.headers.get("x-management-token")
    session = get_session_of(request)
    await _verify(session, "management", x_management_id, x_management_token)
    assert x_management_id is not None
    return x_management_id


AppContext = Annotated[RequestContext, Depends(app_context)]
ManagementKey = Annotated[str, Depends(management_context)]
Session = Annotated[AsyncSession, Depends(get_session)]
