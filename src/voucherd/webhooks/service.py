"""Webhook rules: endpoint configuration, queueing send-outs with each event, the send-out
log's manual retry and replay.

Queueing is the outbox step: `queue_sendouts` runs inside the business transaction that
records the event, so a send-out exists exactly when its event was committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.events.dispatcher import ALL_EVENTS, RecordedEvent, subscribe
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.deferred import defer_insert
from voucherd.kit.errors import ApiError, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.projects import service as projects
from voucherd.webhooks import repository, signing_keys
from voucherd.webhooks.models import (
    DELIVERING,
    FAILED,
    PENDING,
    SUCCEEDED,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookSendout,
)
from voucherd.webhooks.repository import SENDOUTS
from voucherd.webhooks.schemas import WebhookCreate, WebhookUpdate
from voucherd.webhooks.ssrf import IPNetwork, check_target_on_save
from voucherd.webhooks.subscriptions import wants

_ENDPOINTS_KEY = "voucherd.webhooks.active_endpoints"


class SendoutInFlight(ApiError):
    status = 409
    key = "sendout_in_flight"
    message = "Send-out is being delivered"


async def require_project(session: AsyncSession, project_id: str) -> None:
    if await projects.get_project(session, project_id) is None:
        raise NotFound("project", project_id)


async def get_endpoint(
    session: AsyncSession, project_id: str, endpoint_id: str, *, for_update: bool = False
) -> WebhookEndpoint:
    await require_project(session, project_id)
    endpoint = await repository.get_endpoint(
        session, project_id, endpoint_id, for_update=for_update
    )
    if endpoint is None:
        raise NotFound("webhook", endpoint_id)
    return endpoint


async def list_endpoints(session: AsyncSession, project_id: str) -> Sequence[WebhookEndpoint]:
    await require_project(session, project_id)
    return await repository.list_endpoints(session, project_id)


async def _check_target(url: str, allowed: Sequence[IPNetwork]) -> None:
    problem = await check_target_on_save(url, allowed)
    if problem is not None:
        raise InvalidPayload(problem)


async def create_endpoint(
    session: AsyncSession, project_id: str, data: WebhookCreate, allowed: Sequence[IPNetwork]
) -> WebhookEndpoint:
    await require_project(session, project_id)
    await _check_target(data.target_url, allowed)
    endpoint = WebhookEndpoint(
        id=new_id(Prefix.WEBHOOK),
        project_id=project_id,
        target_url=data.target_url,
        events=data.events,
        active=True if data.active is None else data.active,
        headers=data.headers or {},
        created_at=utcnow(),
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


def _enable(endpoint: WebhookEndpoint) -> None:
    endpoint.active = True
    endpoint.disabled_reason = None
    endpoint.disabled_at = None


async def update_endpoint(
    session: AsyncSession,
    project_id: str,
    endpoint_id: str,
    data: WebhookUpdate,
    allowed: Sequence[IPNetwork],
) -> WebhookEndpoint:
    # Row lock: a worker disabling the endpoint at the same moment must not be overwritten
    # by a stale copy of the row.
    endpoint = await get_endpoint(session, project_id, endpoint_id, for_update=True)
    if data.target_url is not None:
        await _check_target(data.target_url, allowed)
        endpoint.target_url = data.target_url
    if data.events is not None:
        endpoint.events = data.events
    if data.headers is not None:
        endpoint.headers = data.headers
    if data.active is True and not endpoint.active:
        _enable(endpoint)
    elif data.active is False:
        endpoint.active = False
    endpoint.updated_at = utcnow()
    await session.flush()
    return endpoint


async def enable_endpoint(
    session: AsyncSession, project_id: str, endpoint_id: str
) -> WebhookEndpoint:
    """Re-enable a (possibly auto-disabled) endpoint; its waiting send-outs resume."""
    endpoint = await get_endpoint(session, project_id, endpoint_id, for_update=True)
    _enable(endpoint)
    endpoint.updated_at = utcnow()
    await session.flush()
    return endpoint


async def delete_endpoint(session: AsyncSession, project_id: str, endpoint_id: str) -> None:
    endpoint = await get_endpoint(session, project_id, endpoint_id, for_update=True)
    # Send-outs and attempts go with it (ON DELETE CASCADE).
    await session.delete(endpoint)
    await session.flush()


@subscribe(ALL_EVENTS)
async def queue_sendouts(session: AsyncSession, _ctx: RequestContext, event: RecordedEvent) -> None:
    """One send-out per active endpoint that subscribed to the event, in the event's
    transaction."""
    # One query per transaction and project, however many events the transaction records
    # (a redemption records several).
    cache: dict[str, Sequence[WebhookEndpoint]] = session.info.setdefault(_ENDPOINTS_KEY, {})
    endpoints = cache.get(event.project_id)
    if endpoints is None:
        endpoints = cache[event.project_id] = await repository.active_endpoints(
            session, event.project_id
        )
    now = utcnow()
    for endpoint in endpoints:
        if wants(endpoint.events, event.type):
            # Deferred like the event itself, and written after it (kit.deferred).
            defer_insert(
                session,
                SENDOUTS,
                {
                    "id": new_id(Prefix.SENDOUT),
                    "project_id": event.project_id,
                    "endpoint_id": endpoint.id,
                    "event_id": event.id,
                    "event_type": event.type,
                    "status": PENDING,
                    "attempts": 0,
                    "schedule_attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )


async def get_sendout(
    session: AsyncSession, project_id: str, sendout_id: str, *, for_update: bool = False
) -> WebhookSendout:
    await require_project(session, project_id)
    sendout = await repository.get_sendout(session, project_id, sendout_id, for_update=for_update)
    if sendout is None:
        raise NotFound("webhook_sendout", sendout_id)
    return sendout


async def retry_sendout(session: AsyncSession, project_id: str, sendout_id: str) -> WebhookSendout:
    """Make a send-out due now; a finished one starts a fresh retry schedule."""
    # Row lock: the worker records results with a conditional UPDATE on the same row.
    sendout = await get_sendout(session, project_id, sendout_id, for_update=True)
    if sendout.status == DELIVERING:
        raise SendoutInFlight(f"Send-out {sendout_id} is being delivered right now")
    # A delivered send-out may be sent again on request too (a receiver lost it).
    if sendout.status in (FAILED, SUCCEEDED):
        sendout.status = PENDING
        sendout.schedule_attempts = 0
        sendout.first_attempt_at = None
    sendout.next_attempt_at = utcnow()
    await session.flush()
    return sendout


async def replay_failed(
    session: AsyncSession,
    project_id: str,
    endpoint_id: str,
    *,
    created_after: datetime | None,
    created_before: datetime | None,
) -> int:
    endpoint = await get_endpoint(session, project_id, endpoint_id)
    return await repository.replay_failed(
        session,
        endpoint.id,
        utcnow(),
        created_after=created_after,
        created_before=created_before,
    )


async def signing_secrets(session: AsyncSession, project_id: str) -> signing_keys.SigningSecrets:
    await require_project(session, project_id)
    return await signing_keys.load(session, project_id)


async def rotate_secret(
    session: AsyncSession, project_id: str, grace: timedelta
) -> signing_keys.SigningSecrets:
    await require_project(session, project_id)
    return await signing_keys.rotate(session, project_id, grace=grace, now=utcnow())


async def failed_sendouts_since(session: AsyncSession, project_id: str, since: datetime) -> int:
    return await repository.failed_since(session, project_id, since)


async def recent_sendouts(
    session: AsyncSession, project_id: str, *, status: str | None = None, limit: int = 50
) -> Sequence[WebhookSendout]:
    """The project's latest send-outs, newest first (the console's delivery log)."""
    stmt = repository.sendouts_query(project_id, status=status)
    return (
        (await session.execute(stmt.order_by(WebhookSendout.seq.desc()).limit(limit)))
        .scalars()
        .all()
    )


async def sendout_attempts(
    session: AsyncSession, project_id: str, sendout_id: str
) -> tuple[WebhookSendout, Sequence[WebhookAttempt]]:
    sendout = await get_sendout(session, project_id, sendout_id)
    return sendout, await repository.attempts_of(session, sendout.id)
