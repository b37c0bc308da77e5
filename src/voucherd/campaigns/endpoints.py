"""`/v1/campaigns`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from starlette.responses import Response

from voucherd.campaigns import repository, service
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.schemas import AddVouchers, CampaignCreate, CampaignType, CampaignUpdate
from voucherd.campaigns.serializers import campaign_body
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, Session
from voucherd.vouchers.serializers import voucher_body

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"], route_class=TransactionalRoute)


@router.post("")
async def create_campaign(body: CampaignCreate, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(campaign_body(await service.create(session, ctx, body)))


@router.get("")
async def list_campaigns(
    ctx: AppContext,
    session: Session,
    page: Page,
    campaign_type: Annotated[CampaignType | None, Query()] = None,
) -> Response:
    stmt = repository.list_query(ctx.project_id, campaign_type=campaign_type)
    rows, total, has_more = await paginate(session, stmt, Campaign.id, page)
    return JsonResponse(
        list_body("campaigns", [campaign_body(c) for c in rows], total, has_more=has_more)
    )


@router.get("/{campaign_id}")
async def get_campaign(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(campaign_body(await service.get(session, ctx, campaign_id)))


@router.put("/{campaign_id}")
async def update_campaign(
    campaign_id: str, body: CampaignUpdate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(campaign_body(await service.update(session, ctx, campaign_id, body)))


@router.delete("/{campaign_id}")
async def delete_campaign(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete(session, ctx, campaign_id)
    # Voucherify deletes asynchronously and answers with an async action; ours is done already.
    return JsonResponse({"async_action_id": new_id(Prefix.ASYNC_ACTION)})


@router.post("/{campaign_id}/enable")
async def enable_campaign(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(campaign_body(await service.set_active(session, ctx, campaign_id, True)))


@router.post("/{campaign_id}/disable")
async def disable_campaign(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(campaign_body(await service.set_active(session, ctx, campaign_id, False)))


@router.post("/{campaign_id}/vouchers")
async def add_vouchers(
    campaign_id: str,
    ctx: AppContext,
    session: Session,
    vouchers_count: Annotated[int, Query(ge=1, le=100_000)] = 1,
    body: Annotated[AddVouchers | None, Body()] = None,
) -> Response:
    data = body or AddVouchers()
    if vouchers_count == 1:
        voucher = await service.add_voucher(session, ctx, campaign_id, data)
        return JsonResponse(voucher_body(voucher))
    await service.add_vouchers(session, ctx, campaign_id, vouchers_count, data)
    result: dict[str, Any] = {"async_action_id": new_id(Prefix.ASYNC_ACTION)}
    return JsonResponse(result, status_code=202)


@router.post("/{campaign_id}/vouchers/{code}")
async def add_voucher_with_code(
    campaign_id: str,
    code: str,
    ctx: AppContext,
    session: Session,
    body: Annotated[AddVouchers | None, Body()] = None,
) -> Response:
    voucher = await service.add_voucher(session, ctx, campaign_id, body or AddVouchers(), code)
    return JsonResponse(voucher_body(voucher))
