"""Request authentication: App keys (or OAuth bearer tokens they issued) on `/v1/*`, client
keys on `/client/v1/*`, Management keys on `/management/v1/*`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit import idempotency
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext, current_request_id
from voucherd.kit.errors import ApiError, Forbidden, TooManyRequests, Unauthorized
from voucherd.kit.http import get_session, get_session_of
from voucherd.kit.ids import new_request_id
from voucherd.kit.ratelimit import RateLimiter
from voucherd.kit.security import hash_token
from voucherd.oauth import service as oauth
from voucherd.oauth.scopes import allows
from voucherd.projects import service
from voucherd.projects.service import ClientSettings

# Verified keys are remembered briefly so the hot path skips a query; a revoked key stops
# working within this many seconds in every process.
AUTH_CACHE_SECONDS = 10.0
# Also the project's time zone: a zone change is seen by every process within that time too
# (the process that made it forgets its cache at once).
_cache: dict[tuple[str, str, str], tuple[float, str | None, str, str]] = {}
# OAuth grants by token digest, remembered as briefly; expiry is checked on every use against
# the one clock, and a revocation in this process forgets the grant at once.
_grants: dict[str, tuple[float, oauth.Grant]] = {}
BEARER = "bearer "


def clear_auth_cache() -> None:
    _cache.clear()
    _client_cache.clear()
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
) -> tuple[str | None, str, str]:
    """(project id, key name, project time zone) of a genuine key."""
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
        return hit[1], hit[2], hit[3]
    found = await service.authenticate(session, kind, key_id, token)
    if found is None:
        raise Unauthorized("Invalid credentials")
    key, timezone = found.key, found.timezone or "UTC"
    _cache[cache_key] = (now + AUTH_CACHE_SECONDS, key.project_id, key.name, timezone)
    return key.project_id, key.name, timezone


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
        timezone = await service.timezone_of(session, grant.project_id)
    else:
        project_id, name, timezone = await _verify(session, "app", x_app_id, x_app_token)
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
        timezone=timezone,
    )


@dataclass(frozen=True)
class ClientContextValue:
    ctx: RequestContext
    settings: ClientSettings


_client_cache: dict[tuple[str, str], tuple[float, str, str, ClientSettings, str]] = {}


async def _verify_client(
    session: AsyncSession, key_id: str | None, token: str | None
) -> tuple[str, str, ClientSettings, str]:
    """(project id, key name, what the key may do, project time zone) of a genuine key."""
    if not key_id or not token:
        raise Unauthorized("Missing credentials: send X-Client-Application-Id and X-Client-Token")
    cache_key = (key_id, hash_token(token))
    now = time.monotonic()
    hit = _client_cache.get(cache_key)
    if hit is not None and hit[0] > now:
        return hit[1], hit[2], hit[3], hit[4]
    found = await service.authenticate(session, "client", key_id, token)
    if found is None or found.key.project_id is None:
        raise Unauthorized("Invalid credentials")
    key, settings = found.key, ClientSettings.of(found.key)
    assert key.project_id is not None
    entry = (now + AUTH_CACHE_SECONDS, key.project_id, key.name, settings, found.timezone or "UTC")
    _client_cache[cache_key] = entry
    return key.project_id, key.name, settings, entry[4]


def _client_ip(request: Request) -> str:
    # The socket's peer: a proxy in front should set the real address through uvicorn's
    # --forwarded-allow-ips / proxy headers, which rewrite `client` before we see it.
    return request.client.host if request.client else "unknown"


def _rate_limit(request: Request) -> None:
    limiter: RateLimiter = request.app.state.client_rate_limiter
    decision = limiter.take(_client_ip(request))
    headers = {
        "X-Rate-Limit-Limit": str(decision.limit),
        "X-Rate-Limit-Remaining": str(decision.remaining),
    }
    if not decision.allowed:
        raise TooManyRequests(
            f"More than {decision.limit} client-side requests a minute from this address",
            headers={
                **headers,
                "X-Rate-Limit-Retry": str(decision.retry_after),
                "Retry-After": str(decision.retry_after),
            },
        )


async def client_context(request: Request) -> ClientContextValue:
    """A publishable client key: rate-limited per IP address before anything is read, and
    answered only for the origins it lists (the browser's `Origin`, else the `origin` query
    parameter the official SDKs send)."""
    _rate_limit(request)
    headers = request.headers
    key_id = headers.get("x-client-application-id")
    session = get_session_of(request)
    project_id, name, settings, timezone = await _verify_client(
        session, key_id, headers.get("x-client-token")
    )
    origin = headers.get("origin") or request.query_params.get("origin")
    if not settings.allows_origin(origin):
        raise Forbidden(
            f"This client key does not answer requests from {origin}"
            if origin
            else "This client key answers only requests that name an allowed origin"
        )
    assert key_id is not None
    await idempotency.claim(session, request, project_id=project_id, api_key_id=key_id)
    ctx = RequestContext(
        project_id=project_id,
        request_id=current_request_id.get() or new_request_id(),
        channel="CLIENT_API",
        api_key_name=name,
        app_id=key_id,
        timezone=timezone,
    )
    return ClientContextValue(ctx, settings)


async def management_context(request: Request) -> str:
    """Returns the management key id; management keys see every project."""
    x_management_id = request.headers.get("x-management-id")
    x_management_token = request.headers.get("x-management-token")
    session = get_session_of(request)
    await _verify(session, "management", x_management_id, x_management_token)
    assert x_management_id is not None
    return x_management_id


AppContext = Annotated[RequestContext, Depends(app_context)]
ClientContext = Annotated[ClientContextValue, Depends(client_context)]
ManagementKey = Annotated[str, Depends(management_context)]
Session = Annotated[AsyncSession, Depends(get_session)]
