"""`/v1/async-actions`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from voucherd.async_actions import service
from voucherd.async_actions.schemas import AsyncActionOut, AsyncActionsListOut
from voucherd.async_actions.serializers import async_action_body
from voucherd.kit.errors import InvalidQueryParams
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import MAX_LIMIT
from voucherd.kit.responses import JsonResponse
from voucherd.kit.timefmt import as_utc
from voucherd.projects.auth import AppContext, Session

router = APIRouter(tags=["async actions"], route_class=TransactionalRoute)

# Voucherify's default page of async actions (its spec bounds `limit` to 1..100).
DEFAULT_LIMIT = 10


@router.get("/v1/async-actions", response_model=AsyncActionsListOut)
async def list_async_actions(
    ctx: AppContext,
    session: Session,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    until = None
    if end_date is not None:
        try:
            # Times are shown to the millisecond: an action's own created_at, given back as
            # end_date, includes it.
            until = as_utc(datetime.fromisoformat(end_date)) + timedelta(milliseconds=1)
        except ValueError as exc:
            raise InvalidQueryParams("end_date must be an ISO 8601 date-time") from exc
    actions, has_more = await service.list_page(session, ctx, limit=limit, created_before=until)
    return JsonResponse(
        {
            "object": "list",
            "data_ref": "async_actions",
            # The list leaves out `result` (Voucherify's AsyncActionBase): GET one to see it.
            "async_actions": [async_action_body(a, with_result=False) for a in actions],
            "has_more": has_more,
        }
    )


@router.get("/v1/async-actions/{async_action_id}", response_model=AsyncActionOut)
async def get_async_action(async_action_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(async_action_body(await service.get(session, ctx, async_action_id)))
