"""Rolling redemptions back: the use returns to the pool, credits to the card, once only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.orders import service as orders
from voucherd.orders.models import Order
from voucherd.orders.serializers import order_body
from voucherd.redemptions import repository
from voucherd.redemptions.models import Redemption
from voucherd.redemptions.schemas import RollbackRequest
from voucherd.redemptions.serializers import redemption_body, simple_redemption
from voucherd.vouchers import gift
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.serializers import simple_voucher


class AlreadyRolledBack(ApiError):
    status = 400
    key = "already_rolled_back"
    message = "Redemption has already been rolled back"


@dataclass
class RolledBack:
    rollback: Redemption
    original: Redemption
    voucher: Voucher | None
    customer: Customer | None
    order: Order | None


async def get(session: AsyncSession, ctx: RequestContext, redemption_id: str) -> Redemption:
    redemption = await repository.get(session, ctx.project_id, redemption_id)
    if redemption is None:
        raise NotFound("redemption", redemption_id)
    return redemption


async def _claim(session: AsyncSession, redemption: Redemption) -> None:
    if redemption.object != "redemption" or redemption.result != "SUCCESS":
        raise ApiError(
            f"{redemption.id} cannot be rolled back",
            key="invalid_redemption",
            message="Invalid redemption",
        )
    # The conditional status change is the guard: of simultaneous rollbacks one wins.
    if not await repository.mark_rolled_back(session, redemption.id):
        raise AlreadyRolledBack(f"Redemption {redemption.id} has already been rolled back")
    redemption.status = "ROLLED_BACK"


async def _undo_one(
    session: AsyncSession,
    ctx: RequestContext,
    redemption: Redemption,
    data: RollbackRequest,
    order: Order | None,
) -> RolledBack:
    await _claim(session, redemption)
    voucher = None
    if redemption.voucher_id:
        voucher = await vouchers.get(session, ctx, redemption.voucher_id)
        # A reward redemption's use comes back with its points: rewards react to the
        # rollback event and refund through the ledger, which also lowers redeemed_quantity.
        if redemption.reward is None:
            await vouchers.release(session, voucher)
        if redemption.gift_credits:
            await gift.refund_gift(session, voucher, redemption.gift_credits)
    if order is not None:
        orders.remove_discount(order, redemption.applied or {})
    rollback = Redemption(
        id=new_id(Prefix.ROLLBACK),
        project_id=ctx.project_id,
        object="redemption_rollback",
        parent_id=redemption.id,
        status="SUCCEEDED",
        result="SUCCESS",
        related_object_type=redemption.related_object_type,
        related_object_id=redemption.related_object_id,
        customer_id=redemption.customer_id,
        order_id=redemption.order_id,
        voucher_id=redemption.voucher_id,
        campaign_id=redemption.campaign_id,
        amount=-redemption.amount,
        gift_credits=redemption.gift_credits,
        reason=data.reason,
        tracking_id=data.tracking_id or redemption.tracking_id,
        metadata_=dict(data.metadata or {}),
        applied={},
        created_at=utcnow(),
    )
    session.add(rollback)
    await session.flush()
    if voucher is not None and redemption.gift_credits:
        await gift.add_transaction(
            session,
            ctx,
            voucher,
            kind="CREDITS_REFUND",
            amount=redemption.gift_credits,
            redemption_id=redemption.id,
            details={"rollback": {"id": rollback.id}},
        )
    customer = (
        await customers.get_by_id(session, ctx, redemption.customer_id)
        if redemption.customer_id
        else None
    )
    if customer is not None and redemption.related_object_type == "voucher":
        await customers.record_redemption(
            session, customer.id, rolled_back=1, gift_amount=-redemption.gift_credits
        )
    return RolledBack(rollback, redemption, voucher, customer, order)


async def _record(session: AsyncSession, ctx: RequestContext, done: RolledBack) -> None:
    order = order_body(done.order) if done.order else done.original.order_snapshot
    campaign = (
        await campaigns.get_by_id(session, ctx, done.original.campaign_id)
        if done.original.campaign_id
        else None
    )
    customer = done.customer
    data = {
        "customer": simple_customer(customer) if customer else None,
        "order": order,
        "campaign": simple_campaign(campaign) if campaign else None,
        "voucher": simple_voucher(done.voucher) if done.voucher else None,
        "holder": None,
        "promotion_tier": None,
        "promotion_stack": None,
        "redemption": simple_redemption(
            done.original, customer=customer, voucher=done.voucher, order=order
        ),
        "redemption_rollback": simple_redemption(
            done.rollback, customer=customer, voucher=done.voucher, order=order
        ),
    }
    await record_event(
        session, ctx, "redemption.rollback.succeeded", entity_id=done.rollback.id, data=data
    )
    if customer is not None:
        await record_event(
            session, ctx, "customer.redemption.rollback.succeeded", entity_id=customer.id, data=data
        )


async def _order_of(session: AsyncSession, ctx: RequestContext, r: Redemption) -> Order | None:
    return await orders.get(session, ctx, r.order_id) if r.order_id else None


async def rollback(
    session: AsyncSession, ctx: RequestContext, redemption_id: str, data: RollbackRequest
) -> RolledBack:
    redemption = await get(session, ctx, redemption_id)
    if redemption.related_object_type == "redemption":
        return (await rollback_stacked(session, ctx, redemption_id, data))[1]
    order = await _order_of(session, ctx, redemption)
    done = await _undo_one(session, ctx, redemption, data, order)
    await session.flush()
    await _record(session, ctx, done)
    return done


async def rollback_stacked(
    session: AsyncSession, ctx: RequestContext, parent_id: str, data: RollbackRequest
) -> tuple[list[RolledBack], RolledBack]:
    parent = await get(session, ctx, parent_id)
    if parent.related_object_type != "redemption":
        raise ApiError(
            f"{parent_id} is not a stacked (parent) redemption",
            key="invalid_redemption",
            message="Invalid redemption",
        )
    order = await _order_of(session, ctx, parent)
    parent_done = await _undo_one(session, ctx, parent, data, None)
    done = [
        await _undo_one(session, ctx, child, data, order)
        for child in await repository.children(session, parent.id)
        if child.status == "SUCCEEDED"
    ]
    await session.flush()
    for item in done:
        await _record(session, ctx, item)
    parent_done.order = order
    return done, parent_done


def rollback_body(done: RolledBack) -> dict[str, Any]:
    order = order_body(done.order) if done.order else done.original.order_snapshot
    body = redemption_body(done.rollback, customer=done.customer, voucher=done.voucher, order=order)
    return body
