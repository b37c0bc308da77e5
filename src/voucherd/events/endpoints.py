"""`POST /v1/events` (custom events sent by the shop; they may earn loyalty points) and the
activity lists read from the event log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from voucherd.customers import service as customers
from voucherd.earning import custom_events
from voucherd.earning.schemas import CustomEventCreate
from voucherd.events import activity
from voucherd.kit.errors import InvalidQueryParams
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page
from voucherd.kit.responses import JsonResponse
from voucherd.kit.timefmt import query_bound
from voucherd.loyalty import service as loyalty
from voucherd.projects.auth import AppContext, Session

router = APIRouter(tags=["events"], route_class=TransactionalRoute)


@router.post("/v1/events")
async def track_custom_event(
    body: CustomEventCreate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(await custom_events.track(session, ctx, body))


# -- activity ---------------------------------------------------------------------------------

_UNSUPPORTED_FILTERS = {
    "campaign_type": "the campaign type is not recorded on events",
    "category": "activities are not classified as actions or effects",
}


def _refuse_unsupported(request: Request) -> None:
    for name, reason in _UNSUPPORTED_FILTERS.items():
        if name in request.query_params:
            raise InvalidQueryParams(f"The {name} filter is not supported: {reason}")


@router.get("/v1/customers/{customer_id}/activity")
async def customer_activity(
    customer_id: str,
    request: Request,
    ctx: AppContext,
    session: Session,
    page: Page,
    type: Annotated[str | None, Query(max_length=120)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    _refuse_unsupported(request)
    since = query_bound("start_date", start_date, end=False)
    until = query_bound("end_date", end_date, end=True)
    customer = await customers.get(session, ctx, customer_id)
    body = await activity.list_activity(
        session,
        ctx.project_id,
        page,
        customer_id=customer.id,
        activity_type=type,
        since=since,
        until=until,
        campaign_id=campaign_id,
    )
    return JsonResponse(body)


async def _member_activity(
    session: Session, ctx: AppContext, page: Page, member_id: str, campaign_id: str | None
) -> Response:
    card = await loyalty.get_member(session, ctx, member_id, campaign_id)
    body = await activity.list_activity(
        session, ctx.project_id, page, voucher_id=card.id, member=True
    )
    return JsonResponse(body)


@router.get("/v1/loyalties/members/{member_id}/activity")
async def member_activity(
    member_id: str, ctx: AppContext, session: Session, page: Page
) -> Response:
    return await _member_activity(session, ctx, page, member_id, None)


@router.get("/v1/loyalties/{campaign_id}/members/{member_id}/activity")
async def program_member_activity(
    campaign_id: str, member_id: str, ctx: AppContext, session: Session, page: Page
) -> Response:
    return await _member_activity(session, ctx, page, member_id, campaign_id)
