"""`POST /v1/events`: custom events sent by the shop (they may earn loyalty points)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from voucherd.earning import custom_events
from voucherd.earning.schemas import CustomEventCreate
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, Session

router = APIRouter(tags=["events"], route_class=TransactionalRoute)


@router.post("/v1/events")
async def track_custom_event(
    body: CustomEventCreate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(await custom_events.track(session, ctx, body))
