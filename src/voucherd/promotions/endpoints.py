"""`/v1/promotions/*` (tiers and stacks) and `GET /client/v1/promotions/tiers`.

PROMOTION campaigns themselves are made, read and changed through `/v1/campaigns`
(campaigns/endpoints.py calls this domain's service for their tiers).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, PageParams, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.kit.timefmt import as_utc
from voucherd.projects.auth import AppContext, ClientContext, Session
from voucherd.promotions import repository, service
from voucherd.promotions.models import PromotionStack, PromotionTier
from voucherd.promotions.schemas import StackCreate, StackUpdate, TierCreate, TierUpdate
from voucherd.promotions.serializers import tiers_list

router = APIRouter(prefix="/v1/promotions", tags=["promotions"], route_class=TransactionalRoute)
client_router = APIRouter(
    prefix="/client/v1/promotions", tags=["client-side"], route_class=TransactionalRoute
)


async def _tiers_page(
    session: AsyncSession, ctx: RequestContext, page: PageParams, is_available: bool | None
) -> Response:
    if page.sort is None:
        # Unordered: the order tiers apply in (hierarchy, then oldest first).
        page = replace(page, sort="hierarchy", descending=False, order="hierarchy")
    stmt = repository.tiers_query(ctx.project_id, available_at=utcnow() if is_available else None)
    rows, total, has_more = await paginate(
        session, stmt, PromotionTier.id, page, repository.TIER_SORTS
    )
    bodies = await service.tier_bodies(session, ctx, rows)
    return JsonResponse(tiers_list(bodies, total, has_more=has_more))


# --------------------------------------------------------------------------- tiers


@router.get("/tiers")
async def list_tiers(
    ctx: AppContext,
    session: Session,
    page: Page,
    is_available: bool | None = None,
) -> Response:
    return await _tiers_page(session, ctx, page, is_available)


@router.get("/tiers/{promotion_tier_id}")
async def get_tier(promotion_tier_id: str, ctx: AppContext, session: Session) -> Response:
    tier = await service.get_tier(session, ctx, promotion_tier_id)
    return JsonResponse(await service.full_tier(session, ctx, tier))


@router.put("/tiers/{promotion_tier_id}")
async def update_tier(
    promotion_tier_id: str, body: TierUpdate, ctx: AppContext, session: Session
) -> Response:
    tier = await service.update_tier(session, ctx, promotion_tier_id, body)
    return JsonResponse(await service.full_tier(session, ctx, tier))


@router.delete("/tiers/{promotion_tier_id}", status_code=204)
async def delete_tier(promotion_tier_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete_tier(session, ctx, promotion_tier_id)
    return Response(status_code=204)


@router.post("/tiers/{promotion_tier_id}/enable")
async def enable_tier(promotion_tier_id: str, ctx: AppContext, session: Session) -> Response:
    tier = await service.set_tier_active(session, ctx, promotion_tier_id, True)
    return JsonResponse(await service.full_tier(session, ctx, tier))


@router.post("/tiers/{promotion_tier_id}/disable")
async def disable_tier(promotion_tier_id: str, ctx: AppContext, session: Session) -> Response:
    tier = await service.set_tier_active(session, ctx, promotion_tier_id, False)
    return JsonResponse(await service.full_tier(session, ctx, tier))


# --------------------------------------------------------------------------- stacks


@router.get("/stacks")
async def list_stacks(
    ctx: AppContext,
    session: Session,
    page: Page,
    created_before: Annotated[datetime | None, Query(alias="created_at[before]")] = None,
    created_after: Annotated[datetime | None, Query(alias="created_at[after]")] = None,
    updated_before: Annotated[datetime | None, Query(alias="updated_at[before]")] = None,
    updated_after: Annotated[datetime | None, Query(alias="updated_at[after]")] = None,
) -> Response:
    def utc(value: datetime | None) -> datetime | None:
        return as_utc(value) if value else None

    where = [
        *repository.stack_bounds(
            "created_at", before=utc(created_before), after=utc(created_after)
        ),
        *repository.stack_bounds(
            "updated_at", before=utc(updated_before), after=utc(updated_after)
        ),
    ]
    stmt = repository.stacks_query(ctx.project_id, where=where)
    rows, total, has_more = await paginate(
        session, stmt, PromotionStack.id, page, repository.STACK_SORTS
    )
    bodies = await service.stack_bodies(session, ctx, rows)
    return JsonResponse(list_body("data", bodies, total, has_more=has_more))


# --------------------------------------------------------------------------- per campaign


@router.get("/{promotion_campaign_id}/tiers")
async def list_campaign_tiers(
    promotion_campaign_id: str, ctx: AppContext, session: Session
) -> Response:
    tiers = await service.campaign_tiers(session, ctx, promotion_campaign_id)
    bodies = await service.tier_bodies(session, ctx, tiers)
    return JsonResponse(tiers_list(bodies, len(bodies), has_more=False))


@router.post("/{promotion_campaign_id}/tiers")
async def add_tier(
    promotion_campaign_id: str, body: TierCreate, ctx: AppContext, session: Session
) -> Response:
    tier = await service.add_tier(session, ctx, promotion_campaign_id, body)
    return JsonResponse(await service.full_tier(session, ctx, tier))


@router.get("/{promotion_campaign_id}/stacks")
async def list_campaign_stacks(
    promotion_campaign_id: str, ctx: AppContext, session: Session
) -> Response:
    campaign = await service.promotion_campaign(session, ctx, promotion_campaign_id)
    stmt = repository.stacks_query(ctx.project_id, campaign_id=campaign.id).order_by(
        PromotionStack.created_at, PromotionStack.id
    )
    rows = (await session.execute(stmt)).scalars().all()
    bodies = await service.stack_bodies(session, ctx, rows)
    return JsonResponse(list_body("data", bodies, len(bodies)))


@router.post("/{promotion_campaign_id}/stacks")
async def create_stack(
    promotion_campaign_id: str, body: StackCreate, ctx: AppContext, session: Session
) -> Response:
    stack = await service.create_stack(session, ctx, promotion_campaign_id, body)
    return JsonResponse(await service.stack_full(session, ctx, stack))


@router.get("/{promotion_campaign_id}/stacks/{promotion_stack_id}")
async def get_stack(
    promotion_campaign_id: str, promotion_stack_id: str, ctx: AppContext, session: Session
) -> Response:
    stack = await service.get_stack(session, ctx, promotion_campaign_id, promotion_stack_id)
    return JsonResponse(await service.stack_full(session, ctx, stack))


@router.put("/{promotion_campaign_id}/stacks/{promotion_stack_id}")
async def update_stack(
    promotion_campaign_id: str,
    promotion_stack_id: str,
    body: StackUpdate,
    ctx: AppContext,
    session: Session,
) -> Response:
    stack = await service.update_stack(
        session, ctx, promotion_campaign_id, promotion_stack_id, body
    )
    return JsonResponse(await service.stack_full(session, ctx, stack))


@router.delete("/{promotion_campaign_id}/stacks/{promotion_stack_id}", status_code=204)
async def delete_stack(
    promotion_campaign_id: str, promotion_stack_id: str, ctx: AppContext, session: Session
) -> Response:
    await service.delete_stack(session, ctx, promotion_campaign_id, promotion_stack_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- client side


@client_router.get("/tiers")
async def client_list_tiers(
    client: ClientContext,
    session: Session,
    page: Page,
    is_available: bool | None = None,
    # Read by the auth dependency (the client key's allowed origins); declared to be accepted.
    origin: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response:
    return await _tiers_page(session, client.ctx, page, is_available)
