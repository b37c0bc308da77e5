"""`/v1/campaigns`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from pydantic import StrictInt
from starlette.responses import Response

from voucherd.async_actions import service as async_actions
from voucherd.campaigns import repository, service
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.schemas import (
    AddVouchers,
    CampaignCreate,
    CampaignTypeFilter,
    CampaignUpdate,
)
from voucherd.campaigns.serializers import campaign_body
from voucherd.kit import filters
from voucherd.kit.errors import InvalidPayload, InvalidQueryParams
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.kit.timefmt import query_bound
from voucherd.loyalty.serializers import transaction_body as loyalty_transaction_body
from voucherd.projects.auth import AppContext, Session
from voucherd.promotions import service as promotions
from voucherd.rules import service as rules
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import VoucherTransaction
from voucherd.vouchers.schemas import NewCode
from voucherd.vouchers.serializers import transaction_body, voucher_body

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"], route_class=TransactionalRoute)


async def _with_promotion(
    session: Session, ctx: AppContext, campaign: Campaign, body: dict[str, Any]
) -> dict[str, Any]:
    """A PROMOTION campaign's body shows its tiers under `promotion`."""
    if campaign.campaign_type == "PROMOTION":
        body["promotion"] = (await promotions.promotion_bodies(session, ctx, [campaign]))[
            campaign.id
        ]
    return body


async def _full(session: Session, ctx: AppContext, campaign: Campaign) -> Response:
    """A campaign with its `validation_rules_assignments` (one indexed query)."""
    body = await _with_promotion(session, ctx, campaign, campaign_body(campaign))
    body["validation_rules_assignments"] = await rules.embedded(session, ctx, campaign.id)
    return JsonResponse(body)


@router.post("")
async def create_campaign(body: CampaignCreate, ctx: AppContext, session: Session) -> Response:
    if body.campaign_type == "PROMOTION":
        return await _full(session, ctx, await promotions.create_campaign(session, ctx, body))
    return await _full(session, ctx, await service.create(session, ctx, body))


@router.get("")
async def list_campaigns(
    ctx: AppContext,
    session: Session,
    page: Page,
    campaign_type: Annotated[CampaignTypeFilter | None, Query()] = None,
    expand: Annotated[Literal["category"] | None, Query()] = None,
) -> Response:
    stmt = repository.list_query(ctx.project_id, campaign_type=campaign_type)
    rows, total, has_more = await paginate(session, stmt, Campaign.id, page, repository.SORTS)
    # Voucherify lists `categories` only under `expand=category` (CampaignBase.categories).
    expanded = expand == "category"
    items = [campaign_body(c, with_categories=expanded) for c in rows]
    # PROMOTION campaigns' tiers: one query for the page.
    promoted = await promotions.promotion_bodies(session, ctx, rows)
    for item in items:
        if item["id"] in promoted:
            item["promotion"] = promoted[item["id"]]
    return JsonResponse(list_body("campaigns", items, total, has_more=has_more))


@router.get("/{campaign_id}")
async def get_campaign(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    return await _full(session, ctx, await service.get(session, ctx, campaign_id))


@router.put("/{campaign_id}")
async def update_campaign(
    campaign_id: str, body: CampaignUpdate, ctx: AppContext, session: Session
) -> Response:
    return await _full(session, ctx, await service.update(session, ctx, campaign_id, body))


@router.delete("/{campaign_id}", status_code=202)
async def delete_campaign(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete(session, ctx, campaign_id)
    # Voucherify deletes asynchronously and answers 202 with an async action id (its spec's
    # only response for this operation); ours is done already, the status and body match.
    return JsonResponse({"async_action_id": new_id(Prefix.ASYNC_ACTION)}, status_code=202)


@router.post("/{campaign_id}/enable")
async def enable_campaign(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    campaign = await service.set_active(session, ctx, campaign_id, True)
    return JsonResponse(await _with_promotion(session, ctx, campaign, campaign_body(campaign)))


@router.post("/{campaign_id}/disable")
async def disable_campaign(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    campaign = await service.set_active(session, ctx, campaign_id, False)
    return JsonResponse(await _with_promotion(session, ctx, campaign, campaign_body(campaign)))


@router.post(
    "/{campaign_id}/vouchers",
    responses={202: {"description": "Several vouchers: an async action id, as Voucherify"}},
)
async def add_vouchers(
    campaign_id: str,
    ctx: AppContext,
    session: Session,
    vouchers_count: Annotated[int, Query(ge=1, le=100_000)] = 1,
    body: Annotated[AddVouchers | StrictInt | None, Body()] = None,
) -> Response:
    if isinstance(body, int):
        # A bare JSON number is the count: the official JS SDK suite calls
        # `addVouchersToCampaign(id, 5)`, which posts `5` as the body.
        if not 1 <= body <= 100_000:
            raise InvalidPayload("A number body is vouchers_count: 1 to 100000")
        vouchers_count, body = body, None
    data = body or AddVouchers()
    if vouchers_count == 1:
        voucher = await service.add_voucher(session, ctx, campaign_id, data, data.code)
        return JsonResponse(voucher_body(voucher))
    if data.code is not None:
        raise InvalidPayload("code names one voucher: it cannot be used with vouchers_count > 1")
    await service.add_vouchers(session, ctx, campaign_id, vouchers_count, data)
    # Generated in this request; the action records it so the id reads back (DONE).
    action = await async_actions.record_done(
        session, ctx, "CAMPAIGN.VOUCHERS_GENERATE", vouchers_count
    )
    result: dict[str, Any] = {"async_action_id": action.id}
    return JsonResponse(result, status_code=202)


@router.post("/{campaign_id}/vouchers/{code}")
async def add_voucher_with_code(
    campaign_id: str,
    code: NewCode,
    ctx: AppContext,
    session: Session,
    body: Annotated[AddVouchers | None, Body()] = None,
) -> Response:
    voucher = await service.add_voucher(session, ctx, campaign_id, body or AddVouchers(), code)
    return JsonResponse(voucher_body(voucher))


@router.get("/{campaign_id}/transactions")
async def list_transactions(
    campaign_id: str, request: Request, ctx: AppContext, session: Session, page: Page
) -> Response:
    where = filters.condition(request.query_params, repository.TRANSACTION_FILTERS)
    stmt = await service.transactions_query(session, ctx, campaign_id, where=where)
    rows, total, has_more = await paginate(session, stmt, VoucherTransaction.id, page)
    owners = await vouchers.get_many(session, ctx, [t.voucher_id for t in rows])
    items = [
        loyalty_transaction_body(t)
        if owners[t.voucher_id].type == "LOYALTY_CARD"
        else transaction_body(t, owners[t.voucher_id])
        for t in rows
    ]
    return JsonResponse(list_body("data", items, total, has_more=has_more))


@router.get("/{campaign_id}/summary")
async def get_summary(
    campaign_id: str,
    ctx: AppContext,
    session: Session,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    since = query_bound("start_date", start_date, end=False)
    until = query_bound("end_date", end_date, end=True)
    if since is not None and until is not None and since >= until:
        raise InvalidQueryParams("start_date must not be after end_date")
    return JsonResponse(await service.summary(session, ctx, campaign_id, since=since, until=until))
