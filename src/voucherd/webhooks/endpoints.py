"""`/management/v1/projects/{projectId}/webhooks` (Voucherify's Management API) and voucherd's
send-out log, replay and signing-secret calls beside it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from voucherd.kit.clock import utcnow
from voucherd.kit.errors import InvalidQueryParams
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.kit.timefmt import as_utc
from voucherd.projects.auth import ManagementKey, Session
from voucherd.webhooks import repository, service
from voucherd.webhooks.models import SENDOUT_STATUSES, WebhookSendout
from voucherd.webhooks.schemas import (
    ReplayOut,
    ReplayRequest,
    RotateSecretRequest,
    SecretOut,
    SendoutOut,
    SendoutsListOut,
    WebhookCreate,
    WebhookOut,
    WebhooksListOut,
    WebhookUpdate,
)
from voucherd.webhooks.serializers import secret_body, sendout_body, webhook_body
from voucherd.webhooks.ssrf import IPNetwork, parse_networks

router = APIRouter(
    prefix="/management/v1/projects/{project_id}",
    tags=["management", "webhooks"],
    route_class=TransactionalRoute,
)


def _allowed(request: Request) -> tuple[IPNetwork, ...]:
    return parse_networks(request.app.state.settings.webhook_allowed_networks)


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


@router.post("/webhooks", response_model=WebhookOut)
async def create_webhook(
    project_id: str, body: WebhookCreate, request: Request, _key: ManagementKey, session: Session
) -> Response:
    endpoint = await service.create_endpoint(session, project_id, body, _allowed(request))
    return JsonResponse(webhook_body(endpoint))


@router.get("/webhooks", response_model=WebhooksListOut)
async def list_webhooks(project_id: str, _key: ManagementKey, session: Session) -> Response:
    items = [webhook_body(e) for e in await service.list_endpoints(session, project_id)]
    return JsonResponse(list_body("data", items, len(items)))


@router.get("/webhooks/{webhook_id}", response_model=WebhookOut)
async def get_webhook(
    project_id: str, webhook_id: str, _key: ManagementKey, session: Session
) -> Response:
    return JsonResponse(webhook_body(await service.get_endpoint(session, project_id, webhook_id)))


@router.put("/webhooks/{webhook_id}", response_model=WebhookOut)
async def update_webhook(
    project_id: str,
    webhook_id: str,
    body: WebhookUpdate,
    request: Request,
    _key: ManagementKey,
    session: Session,
) -> Response:
    endpoint = await service.update_endpoint(
        session, project_id, webhook_id, body, _allowed(request)
    )
    return JsonResponse(webhook_body(endpoint))


@router.delete("/webhooks/{webhook_id}", status_code=204)
async def delete_webhook(
    project_id: str, webhook_id: str, _key: ManagementKey, session: Session
) -> Response:
    await service.delete_endpoint(session, project_id, webhook_id)
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/enable", response_model=WebhookOut)
async def enable_webhook(
    project_id: str, webhook_id: str, _key: ManagementKey, session: Session
) -> Response:
    endpoint = await service.enable_endpoint(session, project_id, webhook_id)
    return JsonResponse(webhook_body(endpoint))


@router.post("/webhooks/{webhook_id}/replay", response_model=ReplayOut)
async def replay_webhook(
    project_id: str, webhook_id: str, body: ReplayRequest, _key: ManagementKey, session: Session
) -> Response:
    queued = await service.replay_failed(
        session,
        project_id,
        webhook_id,
        created_after=_utc(body.created_after),
        created_before=_utc(body.created_before),
    )
    return JsonResponse({"object": "webhook_replay", "webhook_id": webhook_id, "queued": queued})


@router.get("/webhook-sendouts", response_model=SendoutsListOut)
async def list_sendouts(
    project_id: str,
    _key: ManagementKey,
    session: Session,
    page: Page,
    webhook_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    event_type: Annotated[str | None, Query(max_length=120)] = None,
    created_after: Annotated[datetime | None, Query(alias="created_at[after]")] = None,
    created_before: Annotated[datetime | None, Query(alias="created_at[before]")] = None,
) -> Response:
    if status is not None and status not in SENDOUT_STATUSES:
        raise InvalidQueryParams(f"status must be one of {', '.join(SENDOUT_STATUSES)}")
    await service.require_project(session, project_id)
    stmt = repository.sendouts_query(
        project_id,
        endpoint_id=webhook_id,
        status=status,
        event_type=event_type,
        created_after=_utc(created_after),
        created_before=_utc(created_before),
    )
    rows, total, has_more = await paginate(session, stmt, WebhookSendout.id, page)
    return JsonResponse(
        list_body("data", [sendout_body(s) for s in rows], total, has_more=has_more)
    )


@router.get("/webhook-sendouts/{sendout_id}", response_model=SendoutOut)
async def get_sendout(
    project_id: str, sendout_id: str, _key: ManagementKey, session: Session
) -> Response:
    sendout = await service.get_sendout(session, project_id, sendout_id)
    attempts = await repository.attempts_of(session, sendout.id)
    return JsonResponse(sendout_body(sendout, attempts))


@router.post("/webhook-sendouts/{sendout_id}/retry", response_model=SendoutOut)
async def retry_sendout(
    project_id: str, sendout_id: str, _key: ManagementKey, session: Session
) -> Response:
    return JsonResponse(sendout_body(await service.retry_sendout(session, project_id, sendout_id)))


@router.get("/webhook-secret", response_model=SecretOut)
async def get_secret(project_id: str, _key: ManagementKey, session: Session) -> Response:
    keys = await service.signing_secrets(session, project_id)
    return JsonResponse(secret_body(keys, utcnow()))


@router.post("/webhook-secret/rotate", response_model=SecretOut)
async def rotate_secret(
    project_id: str, body: RotateSecretRequest, _key: ManagementKey, session: Session
) -> Response:
    keys = await service.rotate_secret(session, project_id, timedelta(seconds=body.grace_seconds))
    return JsonResponse(secret_body(keys, utcnow()))
