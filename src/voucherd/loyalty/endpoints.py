"""`/v1/loyalties`: programs, members, points balance, transactions, transfers, expiry.

Voucherify's legacy v1 loyalty API, which the seeds and the official SDK speak. A member
(`memberId`) is a loyalty card, by code or id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from starlette.responses import Response

from voucherd.campaigns import repository as campaigns_repository
from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.schemas import CampaignCreate, CampaignUpdate
from voucherd.campaigns.serializers import campaign_body
from voucherd.kit import filters
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.loyalty import repository, service
from voucherd.loyalty.schemas import MemberCreate, PointsChange, PointsTransfer
from voucherd.loyalty.serializers import (
    expiration_bucket_body,
    points_balance,
    transaction_body,
    transfer_response_body,
)
from voucherd.projects.auth import AppContext, Session
from voucherd.vouchers import repository as vouchers_repository
from voucherd.vouchers.models import Voucher, VoucherTransaction
from voucherd.vouchers.serializers import voucher_body

router = APIRouter(prefix="/v1/loyalties", tags=["loyalties"], route_class=TransactionalRoute)


# -- programs ---------------------------------------------------------------------------------


@router.post("")
async def create_program(body: CampaignCreate, ctx: AppContext, session: Session) -> Response:
    body.campaign_type = "LOYALTY_PROGRAM"
    return JsonResponse(campaign_body(await campaigns.create(session, ctx, body)))


@router.get("")
async def list_programs(ctx: AppContext, session: Session, page: Page) -> Response:
    stmt = campaigns_repository.list_query(ctx.project_id, campaign_type=service.PROGRAM)
    rows, total, has_more = await paginate(
        session, stmt, Campaign.id, page, campaigns_repository.SORTS
    )
    return JsonResponse(
        list_body("campaigns", [campaign_body(c) for c in rows], total, has_more=has_more)
    )


@router.get("/{campaign_id}")
async def get_program(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(campaign_body(await service.get_program(session, ctx, campaign_id)))


@router.put("/{campaign_id}")
async def update_program(
    campaign_id: str, body: CampaignUpdate, ctx: AppContext, session: Session
) -> Response:
    program = await service.get_program(session, ctx, campaign_id)
    return JsonResponse(campaign_body(await campaigns.update(session, ctx, program.id, body)))


@router.delete("/{campaign_id}")
async def delete_program(campaign_id: str, ctx: AppContext, session: Session) -> Response:
    program = await service.get_program(session, ctx, campaign_id)
    await campaigns.delete(session, ctx, program.id)
    return JsonResponse({"async_action_id": new_id(Prefix.ASYNC_ACTION)})


# -- members ----------------------------------------------------------------------------------


@router.post("/{campaign_id}/members")
async def add_member(
    campaign_id: str, body: MemberCreate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(voucher_body(await service.add_member(session, ctx, campaign_id, body)))


@router.get("/{campaign_id}/members")
async def list_members(
    campaign_id: str, ctx: AppContext, session: Session, page: Page, customer: str | None = None
) -> Response:
    program = await service.get_program(session, ctx, campaign_id)
    stmt = repository.members_query(ctx.project_id, program.id, customer)
    rows, total, has_more = await paginate(
        session, stmt, Voucher.id, page, vouchers_repository.SORTS
    )
    cards = [await service.as_spendable(session, ctx, v) for v in rows]
    return JsonResponse(
        list_body("vouchers", [voucher_body(v) for v in cards], total, has_more=has_more)
    )


@router.get("/members/{member_id}")
async def get_member(member_id: str, ctx: AppContext, session: Session) -> Response:
    card = await service.get_member(session, ctx, member_id)
    return JsonResponse(voucher_body(await service.as_spendable(session, ctx, card)))


@router.get("/{campaign_id}/members/{member_id}")
async def get_program_member(
    campaign_id: str, member_id: str, ctx: AppContext, session: Session
) -> Response:
    card = await service.get_member(session, ctx, member_id, campaign_id)
    return JsonResponse(voucher_body(await service.as_spendable(session, ctx, card)))


# -- points -----------------------------------------------------------------------------------


async def _change_points(
    session: Session, ctx: AppContext, member_id: str, body: PointsChange, campaign: str | None
) -> Response:
    card, tx = await service.change_points(session, ctx, member_id, body, campaign)
    return JsonResponse(points_balance(card, tx.amount, operation_type="MANUAL"))


@router.post("/members/{member_id}/balance")
async def change_balance(
    member_id: str, body: PointsChange, ctx: AppContext, session: Session
) -> Response:
    return await _change_points(session, ctx, member_id, body, None)


@router.post("/{campaign_id}/members/{member_id}/balance")
async def change_program_member_balance(
    campaign_id: str, member_id: str, body: PointsChange, ctx: AppContext, session: Session
) -> Response:
    return await _change_points(session, ctx, member_id, body, campaign_id)


@router.post("/{campaign_id}/members/{member_id}/transfers")
async def transfer_points(
    campaign_id: str,
    member_id: str,
    body: Annotated[list[PointsTransfer], Body()],
    ctx: AppContext,
    session: Session,
) -> Response:
    card = await service.transfer(session, ctx, campaign_id, member_id, body)
    return JsonResponse(transfer_response_body(card))


# -- reads: transactions and expiry -----------------------------------------------------------


async def _transactions(
    session: Session,
    ctx: AppContext,
    page: Page,
    request: Request,
    *,
    card: Voucher | None,
    campaign_id: str | None,
) -> Response:
    # A member's list filters on id and created_at, a program's on id and voucher_id (spec).
    fields = (
        repository.MEMBER_TRANSACTION_FILTERS if card else campaigns_repository.TRANSACTION_FILTERS
    )
    stmt = repository.transactions_query(
        ctx.project_id,
        voucher_id=card.id if card else None,
        campaign_id=campaign_id,
        where=filters.condition(request.query_params, fields),
    )
    rows, total, has_more = await paginate(session, stmt, VoucherTransaction.id, page)
    return JsonResponse(
        list_body("data", [transaction_body(t) for t in rows], total, has_more=has_more)
    )


@router.get("/members/{member_id}/transactions")
async def member_transactions(
    member_id: str, request: Request, ctx: AppContext, session: Session, page: Page
) -> Response:
    card = await service.get_member(session, ctx, member_id)
    return await _transactions(session, ctx, page, request, card=card, campaign_id=None)


@router.get("/{campaign_id}/members/{member_id}/transactions")
async def program_member_transactions(
    campaign_id: str,
    member_id: str,
    request: Request,
    ctx: AppContext,
    session: Session,
    page: Page,
) -> Response:
    card = await service.get_member(session, ctx, member_id, campaign_id)
    return await _transactions(session, ctx, page, request, card=card, campaign_id=None)


@router.get("/{campaign_id}/transactions")
async def program_transactions(
    campaign_id: str, request: Request, ctx: AppContext, session: Session, page: Page
) -> Response:
    program = await service.get_program(session, ctx, campaign_id)
    return await _transactions(session, ctx, page, request, card=None, campaign_id=program.id)


@router.get("/{campaign_id}/members/{member_id}/points-expiration")
async def points_expiration(
    campaign_id: str, member_id: str, ctx: AppContext, session: Session, page: Page
) -> Response:
    card = await service.get_member(session, ctx, member_id, campaign_id)
    rows, total = await repository.expiring_buckets(
        session, ctx.project_id, card.id, limit=page.limit, offset=(page.page - 1) * page.limit
    )
    return JsonResponse(list_body("data", [expiration_bucket_body(b) for b in rows], total))
