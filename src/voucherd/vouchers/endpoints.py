"""`/v1/vouchers`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from starlette.responses import Response

from voucherd.campaigns import service as campaigns
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.loyalty import service as loyalty
from voucherd.projects.auth import AppContext, Session
from voucherd.rules import service as rules
from voucherd.vouchers import gift, repository, service
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.schemas import (
    BalanceChange,
    NewCode,
    VoucherCreate,
    VoucherFields,
    VoucherUpdate,
)
from voucherd.vouchers.serializers import transaction_body, voucher_body

router = APIRouter(prefix="/v1/vouchers", tags=["vouchers"], route_class=TransactionalRoute)


@router.post("")
async def create_voucher(body: VoucherCreate, ctx: AppContext, session: Session) -> Response:
    return await _full(session, ctx, await _create(session, ctx, body))


async def _create(session: Session, ctx: AppContext, body: VoucherCreate) -> Voucher:
    campaign = None
    key = body.campaign_id or body.campaign
    if key:
        campaign = await campaigns.get(session, ctx, key)
    voucher = await service.create(session, ctx, body, campaign=campaign)
    await _assign_rules(session, ctx, voucher, body)
    return voucher


async def _assign_rules(
    session: Session, ctx: AppContext, voucher: Voucher, body: VoucherFields
) -> None:
    # In the request's transaction: the voucher and its assignments commit together.
    if body.validation_rules is not None:
        await rules.assign_inline(session, ctx, body.validation_rules, "voucher", voucher.id)


async def _full(session: Session, ctx: AppContext, voucher: Voucher) -> Response:
    """A voucher with its own `validation_rules_assignments` (its campaign's are on the
    campaign)."""
    body = voucher_body(voucher)
    body["validation_rules_assignments"] = await rules.embedded(session, ctx, voucher.id)
    return JsonResponse(body)


@router.get("")
async def list_vouchers(
    ctx: AppContext,
    session: Session,
    page: Page,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
    customer: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    stmt = repository.list_query(
        ctx.project_id, campaign_id=campaign_id, holder_id=customer, category=category
    )
    rows, total, has_more = await paginate(session, stmt, Voucher.id, page, repository.SORTS)
    # Loyalty cards report what a spend can take, as the members endpoints do.
    cards = [await loyalty.as_spendable(session, ctx, v) for v in rows]
    return JsonResponse(
        list_body("vouchers", [voucher_body(v) for v in cards], total, has_more=has_more)
    )


@router.post("/{code}")
async def create_voucher_with_code(
    code: NewCode,
    ctx: AppContext,
    session: Session,
    body: Annotated[VoucherCreate | None, Body()] = None,
) -> Response:
    data = (body or VoucherCreate()).model_copy(update={"code": code})
    return await _full(session, ctx, await _create(session, ctx, data))


@router.get("/{code}")
async def get_voucher(code: str, ctx: AppContext, session: Session) -> Response:
    voucher = await service.get(session, ctx, code)
    # A loyalty card reports what a spend can take: points past their last valid day are shown
    # expired even before the expiry job reaches the card (as the members endpoints do).
    return await _full(session, ctx, await loyalty.as_spendable(session, ctx, voucher))


@router.put("/{code}")
async def update_voucher(
    code: str, body: VoucherUpdate, ctx: AppContext, session: Session
) -> Response:
    voucher = await service.update(session, ctx, code, body)
    await _assign_rules(session, ctx, voucher, body)
    return await _full(session, ctx, voucher)


@router.delete("/{code}", status_code=204)
async def delete_voucher(code: str, ctx: AppContext, session: Session) -> Response:
    await service.delete(session, ctx, code)
    return Response(status_code=204)


@router.post("/{code}/enable")
async def enable_voucher(code: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(voucher_body(await service.set_active(session, ctx, code, True)))


@router.post("/{code}/disable")
async def disable_voucher(code: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(voucher_body(await service.set_active(session, ctx, code, False)))


@router.post("/{code}/balance")
async def add_balance(
    code: str, body: BalanceChange, ctx: AppContext, session: Session
) -> Response:
    voucher, tx = await gift.change_gift_balance(session, ctx, code, body)
    return JsonResponse(
        {
            "amount": body.amount,
            "total": voucher.gift_amount or 0,
            "balance": voucher.gift_balance or 0,
            "type": "gift_voucher",
            "operation_type": "MANUAL",
            "object": "balance",
            "related_object": {"type": "voucher", "id": voucher.id},
            "transaction_id": tx.id,
        }
    )


@router.get("/{code}/transactions")
async def list_transactions(
    code: str,
    ctx: AppContext,
    session: Session,
    # The spec's enum for this list; newest first unless asked otherwise.
    order: Annotated[Literal["id", "-id"] | None, Query()] = None,
) -> Response:
    voucher, txs = await gift.gift_transactions(session, ctx, code)
    if order == "id":
        txs = txs[::-1]
    items = [transaction_body(t, voucher) for t in txs]
    return JsonResponse(list_body("data", items, len(items), has_more=False))
