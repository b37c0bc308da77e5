"""`/v1/referrals/[{campaignId}/]members/{memberId}/holders` (Voucherify's) and
`/v1/referrals/{campaignId}/reward-tiers` (our own: referrer rewards)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, Session
from voucherd.referrals import holders, service, tiers
from voucherd.referrals.models import RedeemableHolder
from voucherd.referrals.schemas import (
    HoldersCreate,
    RewardTierCreate,
    RewardTierOut,
    RewardTiersListOut,
    RewardTierUpdate,
)
from voucherd.referrals.serializers import holder_body, tier_body

router = APIRouter(tags=["referrals"], route_class=TransactionalRoute)


# -- holders -----------------------------------------------------------------------------------


async def _add(
    session: Session, ctx: AppContext, campaign_id: str | None, code: str, body: HoldersCreate
) -> Response:
    voucher, campaign, rows = await holders.add(session, ctx, campaign_id, code, body)
    return JsonResponse({"holders": [holder_body(r, campaign, voucher) for r in rows]})


async def _list(
    session: Session,
    ctx: AppContext,
    request: Request,
    page: Page,
    campaign_id: str | None,
    code: str,
) -> Response:
    voucher, campaign = await holders.referral_code(session, ctx, campaign_id, code)
    stmt = holders.list_query(ctx, voucher, request.query_params)
    rows, total, has_more = await paginate(session, stmt, RedeemableHolder.id, page)
    items = [holder_body(r, campaign, voucher) for r in rows]
    return JsonResponse(list_body("data", items, total, has_more=has_more))


@router.post("/v1/referrals/members/{member_id}/holders")
async def add_holders(
    member_id: str, body: HoldersCreate, ctx: AppContext, session: Session
) -> Response:
    return await _add(session, ctx, None, member_id, body)


@router.post("/v1/referrals/{campaign_id}/members/{member_id}/holders")
async def add_campaign_holders(
    campaign_id: str, member_id: str, body: HoldersCreate, ctx: AppContext, session: Session
) -> Response:
    return await _add(session, ctx, campaign_id, member_id, body)


@router.get("/v1/referrals/members/{member_id}/holders")
async def list_holders(
    member_id: str, request: Request, ctx: AppContext, session: Session, page: Page
) -> Response:
    return await _list(session, ctx, request, page, None, member_id)


@router.get("/v1/referrals/{campaign_id}/members/{member_id}/holders")
async def list_campaign_holders(
    campaign_id: str,
    member_id: str,
    request: Request,
    ctx: AppContext,
    session: Session,
    page: Page,
) -> Response:
    return await _list(session, ctx, request, page, campaign_id, member_id)


@router.delete("/v1/referrals/members/{member_id}/holders/{holder_id}", status_code=204)
async def remove_holder(
    member_id: str, holder_id: str, ctx: AppContext, session: Session
) -> Response:
    await holders.remove(session, ctx, None, member_id, holder_id)
    return Response(status_code=204)


@router.delete(
    "/v1/referrals/{campaign_id}/members/{member_id}/holders/{holder_id}", status_code=204
)
async def remove_campaign_holder(
    campaign_id: str, member_id: str, holder_id: str, ctx: AppContext, session: Session
) -> Response:
    await holders.remove(session, ctx, campaign_id, member_id, holder_id)
    return Response(status_code=204)


# -- referrer reward tiers (voucherd's own API) -----------------------------------------------


@router.post("/v1/referrals/{campaign_id}/reward-tiers", response_model=RewardTierOut)
async def create_reward_tier(
    campaign_id: str, body: RewardTierCreate, ctx: AppContext, session: Session
) -> Response:
    """voucherd's own: a referrer reward tier of a referral program (Voucherify sets these
    in its dashboard only). `parameters.event_type` `each` rewards every unique referee,
    `at_least` once when `parameters.referrals` unique referees converted; `reward` is
    LOYALTY_POINTS {campaign_id, points}, GIFT_CREDITS {campaign_id, amount} or COUPON
    {campaign_id}. Each grant happens once and sends `customer.rewarded` with
    `referral_tier`."""
    campaign = await service.campaign_of(session, ctx, campaign_id)
    return JsonResponse(tier_body(await tiers.create(session, ctx, campaign, body)))


@router.get("/v1/referrals/{campaign_id}/reward-tiers", response_model=RewardTiersListOut)
async def list_reward_tiers(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    """voucherd's own: the referral program's referrer reward tiers, oldest first."""
    campaign = await service.campaign_of(session, ctx, campaign_id)
    rows = await tiers.list_tiers(session, ctx, campaign)
    return JsonResponse(list_body("data", [tier_body(t) for t in rows], len(rows)))


@router.get("/v1/referrals/{campaign_id}/reward-tiers/{tier_id}", response_model=RewardTierOut)
async def get_reward_tier(
    campaign_id: str, tier_id: str, ctx: AppContext, session: Session
) -> Response:
    """voucherd's own: one referrer reward tier."""
    campaign = await service.campaign_of(session, ctx, campaign_id)
    return JsonResponse(tier_body(await tiers.get(session, ctx, campaign, tier_id)))


@router.put("/v1/referrals/{campaign_id}/reward-tiers/{tier_id}", response_model=RewardTierOut)
async def update_reward_tier(
    campaign_id: str, tier_id: str, body: RewardTierUpdate, ctx: AppContext, session: Session
) -> Response:
    """voucherd's own: change a tier; rewards already granted stay granted."""
    campaign = await service.campaign_of(session, ctx, campaign_id)
    return JsonResponse(tier_body(await tiers.update(session, ctx, campaign, tier_id, body)))


@router.delete("/v1/referrals/{campaign_id}/reward-tiers/{tier_id}", status_code=204)
async def delete_reward_tier(
    campaign_id: str, tier_id: str, ctx: AppContext, session: Session
) -> Response:
    """voucherd's own: remove a tier (and the record of its grants)."""
    campaign = await service.campaign_of(session, ctx, campaign_id)
    await tiers.delete(session, ctx, campaign, tier_id)
    return Response(status_code=204)
