"""Redeeming a reward with a loyalty card's points, all in the request's one transaction.

Points are taken by the ledger's conditional UPDATE of the card row (not enough: 400 and
nothing changed), then the reward's stock by a conditional UPDATE of the reward row. Every
reward redemption and every rollback locks the card before the reward, so the two can never
wait on each other in opposite orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.discounts.calculation import (
    APPLY_TO_ORDER,
    CalculatedOrder,
    DiscountError,
    DiscountInput,
    calculate_order,
)
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, InvalidPayload
from voucherd.kit.ids import Prefix, new_id, new_tracking_id
from voucherd.kit.timefmt import iso
from voucherd.loyalty import ledger
from voucherd.loyalty import service as loyalty
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.orders import service as orders
from voucherd.orders.models import Order
from voucherd.orders.schemas import OrderCreate
from voucherd.orders.serializers import order_body
from voucherd.products import service as products
from voucherd.products.models import Product, Sku
from voucherd.redemptions.models import Redemption
from voucherd.rewards import events, repository, rules, service
from voucherd.rewards.deliver import deliver
from voucherd.rewards.models import Reward, RewardAssignment, RewardRedemption
from voucherd.rewards.schemas import RewardPick, RewardRedeem
from voucherd.rewards.serializers import reward_result
from voucherd.rules import decisions as validation_rules
from voucherd.rules.explain import violation
from voucherd.rules.facts import Facts
from voucherd.segments import service as segments
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.serializers import simple_voucher


class MissingReward(ApiError):
    status = 400
    key = "missing_reward"
    message = "Missing reward"


class RewardOutOfStock(ApiError):
    status = 400
    key = "quantity_exceeded"
    message = "Reward out of stock"


@dataclass
class RedeemedReward:
    redemption: Redemption
    card: Voucher
    holder: Customer


def _check_card(card: Voucher, program: Campaign, now: datetime) -> None:
    # The same rules as redeeming any voucher: the card's own dates and the program's.
    problem = vouchers.status_error(card, now, campaigns.is_live(program, now))
    if problem is not None:
        raise ApiError(problem[1], key=problem[0], message=problem[1])


async def _holder(session: AsyncSession, ctx: RequestContext, card: Voucher) -> Customer:
    holder = await customers.get_by_id(session, ctx, card.holder_id) if card.holder_id else None
    if holder is None:
        raise InvalidPayload(
            f"Loyalty card {card.code} has no holder to receive the reward",
            key="missing_customer",
        )
    return holder


async def _resolve(
    session: AsyncSession,
    ctx: RequestContext,
    member_id: str,
    pick: RewardPick | None,
    campaign_key: str | None,
) -> tuple[Voucher, Campaign, Reward, RewardAssignment]:
    card = await loyalty.get_member(session, ctx, member_id, campaign_key)
    if pick is None or not pick.id:
        raise MissingReward("reward.id is required")
    reward = await service.get_reward(session, ctx, pick.id)
    assignment = (
        await repository.assignment_of(session, reward.id, card.campaign_id)
        if card.campaign_id
        else None
    )
    if assignment is None or card.campaign_id is None:
        raise MissingReward(
            f"Reward {reward.id} is not assigned to the loyalty program of card {card.code}",
            message="Reward not assigned to the program",
        )
    program = await campaigns.get_by_id(session, ctx, card.campaign_id)
    return card, program, reward, assignment


def _coin_price(
    reward: Reward, pick: RewardPick, order: Order | None
) -> tuple[int, list[DiscountInput]]:
    """Points spent on the order and the discount they buy (points * exchange / ratio)."""
    if order is None:
        raise InvalidPayload("A pay-with-points reward needs an order", key="missing_order")
    coin = reward.parameters.get("coin") or {}
    cash, ratio = rules.parse_ratio(coin.get("exchange_ratio"), coin.get("points_ratio"))
    left = order.total_amount or 0
    needed = rules.points_needed(left, cash, ratio)
    if needed == 0:
        raise InvalidPayload("The order has nothing left to pay", key="invalid_order")
    points = pick.points or needed
    if points > needed:
        raise InvalidPayload(f"The order needs at most {needed} points, {points} were given")
    value = min(left, rules.points_value(points, cash, ratio))
    if value == 0:
        raise InvalidPayload(f"{points} points are worth less than a cent")
    return points, [DiscountInput(type="AMOUNT", effect=APPLY_TO_ORDER, amount_off=value)]


def _calculate(order: Order, discounts: list[DiscountInput]) -> CalculatedOrder:
    try:
        return calculate_order(orders.order_input(order), discounts)
    except DiscountError as exc:
        raise orders.InvalidOrder(str(exc)) from None


async def _goods(
    session: AsyncSession, ctx: RequestContext, reward: Reward
) -> tuple[Product | None, Sku | None]:
    """The product (and SKU) a MATERIAL reward hands over, as they are now."""
    ref = reward.parameters.get("product") or {}
    if reward.type != "MATERIAL" or not ref.get("id"):
        return None, None
    product = await products.get(session, ctx, str(ref["id"]))
    sku = await products.get_sku(session, ctx, str(ref["sku_id"])) if ref.get("sku_id") else None
    return product, sku


async def _check_rules(
    session: AsyncSession,
    ctx: RequestContext,
    assignment: RewardAssignment,
    holder: Customer,
    order: Order | None,
    points: int,
    body: RewardRedeem,
) -> None:
    """The validation rules assigned to the reward assignment (pay with points) must pass."""
    amount, items = validation_rules.order_facts(order_body(order) if order else None)
    failed = await validation_rules.failures_for(
        session,
        ctx,
        [assignment.id],
        Facts(
            now=utcnow(),
            amount=amount,
            initial_amount=amount,
            items=items,
            customer_id=holder.id,
            customer_metadata=holder.metadata_ or {},
            order_metadata=(order.metadata_ if order else None) or {},
            request_metadata=body.metadata or {},
            api_key_id=ctx.app_id,
            points_used=points,
            zone=ctx.zone,
        ),
        segments_of_customer=lambda: segments.customer_segment_ids(session, ctx, holder),
    )
    if failed:
        raise violation(f"Reward assignment {assignment.id}", failed[assignment.id])


async def redeem(
    session: AsyncSession,
    ctx: RequestContext,
    member_id: str,
    body: RewardRedeem,
    campaign_key: str | None = None,
) -> RedeemedReward:
    await metadata_schemas.check(session, ctx, "redemption", body.metadata)
    card, program, reward, assignment = await _resolve(
        session, ctx, member_id, body.reward, campaign_key
    )
    assert body.reward is not None
    now = utcnow()
    _check_card(card, program, now)
    holder = await _holder(session, ctx, card)
    # Customer before card before reward stock: the application's lock order.
    await customers.lock(session, [holder.id])
    staged = None
    if body.order is not None:
        order_data = body.order.model_dump(exclude_unset=True)
        order_data.setdefault("status", "PAID")
        order_data["customer"] = {"id": holder.id}
        staged = await orders.stage(session, ctx, OrderCreate.model_validate(order_data))
    discounts: list[DiscountInput] = []
    if reward.type == "COIN":
        points, discounts = _coin_price(reward, body.reward, staged.order if staged else None)
    else:
        points = assignment.points or 0
    if points <= 0:
        raise InvalidPayload(f"Reward {reward.id} has no points cost in this program")
    await _check_rules(
        session, ctx, assignment, holder, staged.order if staged else None, points, body
    )
    calc = _calculate(staged.order, discounts) if staged else None
    product, sku = await _goods(session, ctx, reward)

    redemption_id = new_id(Prefix.REDEMPTION)
    spent = await ledger.debit(
        session,
        ctx,
        card,
        points,
        kind=ledger.REDEMPTION,
        redemption_id=redemption_id,
        details={
            "redemption": {"id": redemption_id},
            "reward": {"id": reward.id, "name": reward.name},
        },
    )
    result = reward_result(reward, assignment, customer=holder, card=card, product=product, sku=sku)
    redemption, rr = _rows(ctx, card, holder, assignment, points, now, redemption_id)
    redemption.order_id = staged.order.id if staged else None
    redemption.applied = {"order": calc.applied[0] if discounts and calc else 0, "items": {}}
    redemption.reward = result
    redemption.metadata_ = dict(body.metadata or {})
    rr.result = {"transaction_id": spent.id}
    session.add_all([redemption, rr])
    await session.flush()
    if staged is not None and calc is not None:
        orders.apply_calculation(staged.order, calc, {redemption_id: _order_entry(card, now)})
        await orders.announce(session, ctx, staged)
        redemption.order_snapshot = order_body(staged.order)
    await customers.record_redemption(session, holder.id, succeeded=1, loyalty_points=points)

    flow = events.RewardFlow(card, program, holder, assignment, rr, redemption, result)
    await events.record_state(session, ctx, flow)
    _advance(flow, rules.PENDING)
    await events.record_state(session, ctx, flow)
    delivered = await deliver(session, ctx, reward, holder, reward_redemption_id=rr.id)
    if delivered.voucher is not None:
        flow.reward = redemption.reward = {**result, "voucher": simple_voucher(delivered.voucher)}
    flow.publication, flow.balance = delivered.publication, delivered.balance
    rr.result = {**rr.result, **_delivery_record(delivered.voucher, delivered.publication)}
    _advance(flow, rules.COMPLETED)  # the card is current: the ledger reads it back
    await events.record_state(session, ctx, flow)
    await events.record_rewarded(session, ctx, flow)
    # The reward's counter is one row every redemption of it updates: taken last (and last
    # in the lock order), its lock is held only until the commit that follows.
    if not await repository.take_one(session, reward.id):
        raise RewardOutOfStock(f"Reward {reward.name} is out of stock")
    return RedeemedReward(redemption, card, holder)


def _rows(
    ctx: RequestContext,
    card: Voucher,
    holder: Customer,
    assignment: RewardAssignment,
    points: int,
    now: datetime,
    redemption_id: str,
) -> tuple[Redemption, RewardRedemption]:
    """The `r_…` redemption of the card (amount = points spent) and its reward redemption."""
    redemption = Redemption(
        id=redemption_id,
        project_id=ctx.project_id,
        object="redemption",
        status="SUCCEEDED",
        result="SUCCESS",
        related_object_type="voucher",
        related_object_id=card.id,
        customer_id=holder.id,
        voucher_id=card.id,
        campaign_id=card.campaign_id,
        amount=points,
        points=points,
        tracking_id=new_tracking_id(),
        created_at=now,
    )
    rr = RewardRedemption(
        id=new_id(Prefix.REWARD_REDEMPTION),
        project_id=ctx.project_id,
        voucher_id=card.id,
        campaign_id=card.campaign_id,
        customer_id=holder.id,
        reward_id=assignment.reward_id,
        reward_assignment_id=assignment.id,
        redemption_id=redemption_id,
        state=rules.CREATED,
        points=points,
        created_at=now,
    )
    return redemption, rr


def _order_entry(card: Voucher, now: datetime) -> dict[str, Any]:
    return {
        "date": iso(now),
        "related_object_type": "voucher",
        "related_object_id": card.id,
        "related_object_parent_id": card.campaign_id,
    }


def _delivery_record(voucher: Voucher | None, publication: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "voucher_id": voucher.id if voucher else None,
        "publication_id": publication["id"] if publication else None,
    }


def _advance(flow: events.RewardFlow, to: str) -> None:
    rr = flow.reward_redemption
    if not rules.can_move(rr.state, to):
        raise RuntimeError(f"reward redemption {rr.id}: {rr.state} -> {to} is not a transition")
    rr.state = to
    rr.updated_at = utcnow()
    # No flush: the row is written by the next one, so PENDING then COMPLETED in one unit of
    # work (nothing else reads the row in between) cost a single UPDATE.
