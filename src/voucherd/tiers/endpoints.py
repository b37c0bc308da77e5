"""`/v1/loyalties/{campaignId}/tiers…` and `/v1/loyalties/members/{memberId}/tiers`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from starlette.responses import Response

from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, list_body
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, Session
from voucherd.tiers import membership as _membership  # noqa: F401  (tiers follow balances)
from voucherd.tiers import service
from voucherd.tiers.schemas import TiersCreate
from voucherd.tiers.serializers import tier_body

router = APIRouter(prefix="/v1/loyalties", tags=["tiers"], route_class=TransactionalRoute)

TierOrder = Literal["created_at", "-created_at", "updated_at", "-updated_at"]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]


@router.post("/{campaign_id}/tiers")
async def create_tiers(
    campaign_id: str,
    body: Annotated[TiersCreate, Body()],
    ctx: AppContext,
    session: Session,
) -> Response:
    tiers = await service.create_tiers(session, ctx, campaign_id, body)
    return JsonResponse([tier_body(t) for t in tiers])


@router.get("/{campaign_id}/tiers")
async def list_tiers(
    campaign_id: str,
    ctx: AppContext,
    session: Session,
    limit: Limit = DEFAULT_LIMIT,
    page: PageNumber = 1,
    order: TierOrder | None = None,
) -> Response:
    tiers, total = await service.list_tiers(
        session, ctx, campaign_id, order=order, limit=limit, page=page
    )
    return JsonResponse(list_body("data", [tier_body(t) for t in tiers], total))


@router.get("/{campaign_id}/tiers/{tier_id}")
async def get_tier(campaign_id: str, tier_id: str, ctx: AppContext, session: Session) -> Response:
    _, tier = await service.get_tier(session, ctx, campaign_id, tier_id)
    return JsonResponse(tier_body(tier))


@router.get("/{campaign_id}/tiers/{tier_id}/earning-rules")
async def tier_earning_rules(
    campaign_id: str,
    tier_id: str,
    ctx: AppContext,
    session: Session,
    limit: Limit = DEFAULT_LIMIT,
    page: PageNumber = 1,
) -> Response:
    rules = await service.tier_earning_rules(session, ctx, campaign_id, tier_id)
    start = (page - 1) * limit
    return JsonResponse(list_body("data", rules[start : start + limit], len(rules)))


@router.get("/{campaign_id}/tiers/{tier_id}/rewards")
async def tier_rewards(
    campaign_id: str, tier_id: str, ctx: AppContext, session: Session
) -> Response:
    rewards = await service.tier_rewards(session, ctx, campaign_id, tier_id)
    return JsonResponse(list_body("data", rewards, len(rewards)))


@router.get("/members/{member_id}/tiers")
async def member_tiers(member_id: str, ctx: AppContext, session: Session) -> Response:
    tiers = await service.member_tiers(session, ctx, member_id)
    return JsonResponse(list_body("data", tiers, len(tiers)))
