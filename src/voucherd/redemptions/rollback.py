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
from voucherd.kit.timefmt import iso
from voucherd.orders import service as orders
from voucherd.orders.models import Order
from voucherd.orders.serializers import order_body
from voucherd.promotions import redeemables as promotions
from voucherd.redemptions import repository
from voucherd.redemptions.models import Redemption
from voucherd.redemptions.schemas import RollbackOptions, RollbackRequest
from voucherd.redemptions.serializers import redemption_body, simple_redemption
from voucherd.rules import counters as rule_counters
from voucherd.stacking import service as stacking_rules
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
    promotion_tier: dict[str, Any] | None = None


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
    """Give back what one claimed redemption took: its use, its gift credits, and what it
    added to the counters validation rules read."""
    # Counters after the customer's lock and before the voucher's, as at redemption.
    moved = (redemption.applied or {}).get("counters") or {}
    await rule_counters.add(session, ctx.project_id, {k: -v for k, v in moved.items()})
    voucher = None
    if redemption.voucher_id:
        voucher = await vouchers.get(session, ctx, redemption.voucher_id)
        # A reward redemption's use comes back with its points: rewards react to the
        # rollback event and refund through the ledger, which also lowers redeemed_quantity.
        if redemption.reward is None:
            await vouchers.release(session, voucher)
        if redemption.gift_credits:
            await gift.refund_gift(session, voucher, redemption.gift_credits)
    tier_body = None
    if redemption.related_object_type == "promotion_tier":
        await promotions.count_redemption(
            session,
            redemption.related_object_id,
            sign=-1,
            order_amount=int((redemption.applied or {}).get("order_amount") or 0),
            discount=redemption.amount,
        )
        tier_body = (await promotions.tier_bodies(session, ctx.project_id, [redemption])).get(
            redemption.related_object_id
        )
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
    if customer is not None and redemption.related_object_type in ("voucher", "promotion_tier"):
        await customers.record_redemption(
            session, customer.id, rolled_back=1, gift_amount=-redemption.gift_credits
        )
    return RolledBack(rollback, redemption, voucher, customer, order, tier_body)


async def _roll_back_order(
    session: AsyncSession, ctx: RequestContext, order: Order, done: list[RolledBack]
) -> None:
    """WITH_ORDER, as Voucherify's rollback examples show the order afterwards: the
    redemptions' discounts are gone, their entries in `order.redemptions` carry
    `rollback_id` and `rollback_date`, and an order left with no live redemption is CANCELED
    (an order that still has another redemption keeps its status and that one's discounts).
    """
    entries = dict(order.redemptions or {})
    for item in done:
        orders.remove_discount(order, item.original.applied or {})
        entry = entries.get(item.original.id)
        if entry is not None:
            entries[item.original.id] = {
                "date": entry.get("date"),
                "rollback_id": item.rollback.id,
                "rollback_date": iso(item.rollback.created_at),
                **{k: v for k, v in entry.items() if k != "date"},
            }
    order.redemptions = entries
    if done and entries and all("rollback_id" in entry for entry in entries.values()):
        previous = order.status
        order.status = "CANCELED"
        await session.flush()
        customer = (
            await customers.get_by_id(session, ctx, order.customer_id)
            if order.customer_id
            else None
        )
        await orders.record_status_events(
            session, ctx, order, customer, created=False, previous_status=previous
        )


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
        "promotion_tier": done.promotion_tier,
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


async def _order_of(
    session: AsyncSession, ctx: RequestContext, r: Redemption, data: RollbackRequest
) -> Order | None:
    if not r.order_id:
        return None
    # Locked when it will change (WITH_ORDER), in the lock order: after the redemptions,
    # before the vouchers (a redemption on an existing order locks it before its vouchers).
    return await orders.get(session, ctx, r.order_id, for_update=data.order_mode == "WITH_ORDER")


async def _with_project_mode(
    session: AsyncSession, ctx: RequestContext, data: RollbackRequest
) -> RollbackRequest:
    """The request's order mode, else the project's stacking rule
    `redeemables_rollback_order_mode` (Voucherify sets it per project)."""
    if data.options is not None and data.options.redeemables_rollback_order_mode is not None:
        return data
    mode = (await stacking_rules.rules_for(session, ctx.project_id)).redeemables_rollback_order_mode
    if mode != "WITHOUT_ORDER":
        return data
    options = RollbackOptions(redeemables_rollback_order_mode="WITHOUT_ORDER")
    return data.model_copy(update={"options": options})


async def rollback(
    session: AsyncSession, ctx: RequestContext, redemption_id: str, data: RollbackRequest
) -> RolledBack:
    data = await _with_project_mode(session, ctx, data)
    redemption = await get(session, ctx, redemption_id)
    if redemption.related_object_type == "redemption":
        return (await rollback_stacked(session, ctx, redemption_id, data))[1]
    # The lock order (customers.repository.lock): the customer, the redemptions being rolled
    # back (a stacked parent before its children), the order, then the vouchers. A child
    # takes its parent's lock first, so it and its parent's rollback exclude each other
    # instead of each holding what the other waits for (a deadlock).
    await customers.lock(session, [redemption.customer_id])
    if redemption.parent_id is not None:
        await repository.lock(session, redemption.parent_id)
    await _claim(session, redemption)
    order = await _order_of(session, ctx, redemption, data)
    done = await _undo_one(session, ctx, redemption, data, order)
    if order is not None and data.order_mode == "WITH_ORDER":
        await _roll_back_order(session, ctx, order, [done])
    await session.flush()
    await _record(session, ctx, done)
    return done


async def rollback_stacked(
    session: AsyncSession, ctx: RequestContext, parent_id: str, data: RollbackRequest
) -> tuple[list[RolledBack], RolledBack]:
    data = await _with_project_mode(session, ctx, data)
    parent = await get(session, ctx, parent_id)
    if parent.related_object_type != "redemption":
        if parent.parent_id is not None:
            raise ApiError(
                f"{parent_id} is part of stacked redemption {parent.parent_id}: "
                "roll back that one, or this one alone with /rollback",
                key="invalid_redemption",
                message="Invalid redemption",
            )
        # Voucherify: this endpoint rolls back a single redemption (one without a parent)
        # like `/rollback` does; it is its own parent rollback and its only rollback.
        single = await rollback(session, ctx, parent_id, data)
        return [single], single
    await customers.lock(session, [parent.customer_id])  # the lock order: see `rollback`
    await _claim(session, parent)  # the parent's row lock, before any child's
    # Children in id order; each conditional status change locks one. A child rolled back
    # on its own already (it held the parent's lock then, so it has committed) is skipped.
    claimed = [
        child
        for child in await repository.children(session, parent.id)
        if await repository.mark_rolled_back(session, child.id)
    ]
    for child in claimed:
        child.status = "ROLLED_BACK"
    order = await _order_of(session, ctx, parent, data)
    parent_done = await _undo_one(session, ctx, parent, data, None)
    # Vouchers are given back in voucher id order, the order in which redemptions take them.
    undone = {
        child.id: await _undo_one(session, ctx, child, data, order)
        for child in sorted(claimed, key=lambda c: (c.voucher_id or "", c.id))
    }
    done = [undone[child.id] for child in claimed]
    if order is not None and data.order_mode == "WITH_ORDER":
        await _roll_back_order(session, ctx, order, done)
    await session.flush()
    for item in done:
        await _record(session, ctx, item)
    parent_done.order = order
    return done, parent_done


def rollback_body(done: RolledBack) -> dict[str, Any]:
    order = order_body(done.order) if done.order else done.original.order_snapshot
    body = redemption_body(
        done.rollback,
        customer=done.customer,
        voucher=done.voucher,
        order=order,
        promotion_tier=done.promotion_tier,
    )
    return body
