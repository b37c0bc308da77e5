"""`/console/webhooks`: endpoints, the delivery log with each attempt, retry, replay of
failures, and signing-secret rotation, through the webhook services the API uses."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from voucherd.console import service as console
from voucherd.console.web import CurrentViewer, FormError, checked_form, page, redirect
from voucherd.kit.errors import ApiError, NotFound
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.webhooks import service as webhooks
from voucherd.webhooks.models import SENDOUT_STATUSES

router = APIRouter(prefix="/console", route_class=TransactionalRoute, include_in_schema=False)

# A rotated secret keeps signing beside the new one for a day, so receivers can switch.
ROTATION_GRACE = timedelta(hours=24)


@router.get("/webhooks")
async def overview(request: Request, who: CurrentViewer, status: str = "") -> Response:
    session = get_session_of(request)
    project_id = who.user.project_id
    wanted = status if status in SENDOUT_STATUSES else None
    return page(
        "webhooks.html",
        who=who,
        nav="webhooks",
        endpoints=await webhooks.list_endpoints(session, project_id),
        sendouts=await webhooks.recent_sendouts(session, project_id, status=wanted),
        statuses=SENDOUT_STATUSES,
        selected_status=wanted or "",
        message=request.query_params.get("done"),
    )


@router.get("/webhooks/sendouts/{sendout_id}")
async def sendout(request: Request, sendout_id: str, who: CurrentViewer) -> Response:
    try:
        found, attempts = await webhooks.sendout_attempts(
            get_session_of(request), who.user.project_id, sendout_id
        )
    except NotFound:
        return page("error.html", 404, who=who, message=f"No send-out {sendout_id}.")
    return page("sendout.html", who=who, nav="webhooks", sendout=found, attempts=attempts)


@router.post("/webhooks/sendouts/{sendout_id}/retry")
async def retry(request: Request, sendout_id: str, who: CurrentViewer) -> Response:
    await checked_form(request, who, role="editor")
    session = get_session_of(request)
    try:
        done = await webhooks.retry_sendout(session, who.user.project_id, sendout_id)
    except ApiError as exc:
        raise FormError(str(exc)) from None
    await console.audit(
        session, who.user, "webhook_sendout.retry", object_type="webhook_sendout", object_id=done.id
    )
    return redirect(f"/console/webhooks/sendouts/{done.id}")


@router.post("/webhooks/{endpoint_id}/replay")
async def replay(request: Request, endpoint_id: str, who: CurrentViewer) -> Response:
    await checked_form(request, who, role="editor")
    session = get_session_of(request)
    try:
        count = await webhooks.replay_failed(
            session, who.user.project_id, endpoint_id, created_after=None, created_before=None
        )
    except ApiError as exc:
        raise FormError(str(exc)) from None
    await console.audit(
        session, who.user, "webhook.replay", object_type="webhook", object_id=endpoint_id,
        after={"sendouts": count},
    )  # fmt: skip
    return redirect(f"/console/webhooks?done=Replaying+{count}+failed+send-outs")


@router.post("/webhooks/rotate-secret")
async def rotate(request: Request, who: CurrentViewer) -> Response:
    await checked_form(request, who, role="admin")
    session = get_session_of(request)
    await webhooks.rotate_secret(session, who.user.project_id, ROTATION_GRACE)
    # The secret itself is never shown or logged here: `GET /v1/webhook-secret` gives it to
    # the API key holder who configures receivers.
    await console.audit(session, who.user, "webhook_secret.rotate")
    return redirect("/console/webhooks?done=Secret+rotated;+the+old+one+signs+for+24+hours")
