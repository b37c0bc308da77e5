"""Validate and redeem stacked redeemables (vouchers, gift credits) against an order.

A redemption either happens completely or not at all: every limit and balance is taken by a
conditional UPDATE inside the request's transaction, and any refusal rolls everything back
(a refused redeemable raises `failures.RedemptionFailed`, recorded after the rollback).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import NotFound
from voucherd.kit.ids import Prefix, new_id, new_tracking_id
from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.orders import service as orders
from voucherd.orders.models import Order
from voucherd.orders.schemas import OrderCreate
from voucherd.orders.serializers import order_body
from voucherd.promotions import redeemables as promotions
from voucherd.redemptions import failures, recorded, stacking
from voucherd.redemptions.candidates import Candidate, inapplicable
from voucherd.redemptions.engine import Evaluation, evaluate, payload_order_input
from voucherd.redemptions.models import Redemption
from voucherd.redemptions.schemas import StackableRequest
from voucherd.redemptions.serializers import (
    STACKING_OMITTED_WHEN_ABSENT,
    calculated_order_body,
    redemption_body,
)
from voucherd.referrals import service as referrals
from voucherd.rules import counters as rule_counters
from voucherd.rules.decisions import RuleBook
from voucherd.rules.targeting import listing
from voucherd.sessions import service as sessions
from voucherd.stacking.serializers import validation_body
from voucherd.vouchers import gift
from voucherd.vouchers import service as vouchers


def _redeemable_result(candidate: Candidate) -> dict[str, Any]:
    voucher = candidate.voucher
    if voucher is not None and voucher.type == "GIFT_VOUCHER":
        return {"gift": {"credits": candidate.applied, "balance": voucher.gift_balance or 0}}
    if candidate.tier is not None:
        discount = promotions.tier_discount(candidate.tier) or {}
    else:
        assert voucher is not None
        discount = dict(voucher.discount or {})
    discount["is_dynamic"] = candidate.is_dynamic
    return {"discount": discount}


async def _customer_for_validation(
    session: AsyncSession, ctx: RequestContext, body: StackableRequest
) -> Customer | None:
    ref = body.customer
    if ref is None:
        return None
    key = ref.id or ref.source_id
    if key is None:
        return None
    try:
        return await customers.get(session, ctx, key)
    except NotFound:  # an unknown customer is fine for a validation: nothing is created
        return None


async def validate(
    session: AsyncSession, ctx: RequestContext, body: StackableRequest
) -> dict[str, Any]:
    """`POST /v1/validations`: what a redemption would do, changing nothing (but what a
    `session` holds)."""
    customer = await _customer_for_validation(session, ctx, body)
    # `session` (LOCK): its vouchers locked, the key's previous reservation let go.
    held = await sessions.open_for_validation(session, ctx, body.session, body.redeemables)
    order_in = payload_order_input(body.order)
    order_key = body.order.id or body.order.source_id if body.order else None
    if order_key and body.order is not None and not body.order.items:
        existing = await _existing_order(session, ctx, order_key)
        if existing is not None:
            order_in = orders.order_input(existing)
    evaluation = await evaluate(
        session,
        ctx,
        body.redeemables,
        order_in,
        customer=customer,
        order_metadata=(body.order.metadata if body.order else None) or {},
        request_metadata=body.metadata or {},
        item_metadata=[i.metadata for i in (body.order.items or [])] if body.order else (),
    )
    valid = evaluation.valid
    rules = evaluation.rules
    redeemables: list[dict[str, Any]] = []
    inapplicable_list: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for candidate in evaluation.candidates:  # in application order (stacking rules)
        if candidate.error is not None:
            entry = stacking.inapplicable_entry(candidate, rules, ctx.request_id)
            inapplicable_list.append(entry)
        elif candidate.skipped is not None:
            entry = stacking.skipped_entry(candidate, rules)
            skipped.append(entry)
        else:
            entry = stacking.entry(candidate, rules) | {
                "status": "APPLICABLE",
                "result": _redeemable_result(candidate),
                "applicable_to": listing(candidate.targeted.applicable_to),
                "inapplicable_to": listing(candidate.targeted.inapplicable_to),
            }
        redeemables.append(entry)
    source = body.order.model_dump(exclude_none=True) if body.order else {}
    answer: dict[str, Any] = {
        "id": new_id(Prefix.VALIDATION),
        "valid": valid,
        "redeemables": redeemables,
        "skipped_redeemables": skipped,
        "inapplicable_redeemables": inapplicable_list,
        "order": calculated_order_body(evaluation.calculated, source=source, customer=customer),
        "tracking_id": body.tracking_id or (new_tracking_id() if customer else None),
        "stacking_rules": validation_body(rules),
    }
    if held is not None and valid:
        taken = [(c.voucher, c.gift_credits) for c in evaluation.applicable if c.voucher]
        answer["session"] = await sessions.reserve(session, ctx, held, taken)
    return omit_absent(answer, STACKING_OMITTED_WHEN_ABSENT)


async def _existing_order(session: AsyncSession, ctx: RequestContext, key: str) -> Order | None:
    try:
        return await orders.get(session, ctx, key)
    except NotFound:  # validation of a not-yet-existing order reads the inline fields instead
        return None


@dataclass
class Redeemed:
    redemptions: list[Redemption]
    parent: Redemption | None
    order: Order
    customer: Customer | None
    evaluation: Evaluation
    request_id: str


async def redeem(session: AsyncSession, ctx: RequestContext, body: StackableRequest) -> Redeemed:
    """`POST /v1/redemptions`: all redeemables apply, or the request fails and nothing changes."""
    await metadata_schemas.check(session, ctx, "redemption", body.metadata)
    # The application's lock order is customer, then vouchers (cards), then reward stock:
    # the customer's row is locked here, before `_take` locks vouchers, because the paid
    # order and the redemption counters update it afterwards. Taken later, a transaction
    # holding a multi-use voucher would wait for the customer while another, holding the
    # customer (an upsert writes its row), waits for the voucher: a deadlock.
    customer = await customers.resolve_reference(session, ctx, body.customer, lock=True)
    order_data = body.order.model_dump(exclude_unset=True) if body.order else {}
    order_data.setdefault("status", "PAID")
    if customer is not None:
        order_data["customer"] = {"id": customer.id}
    staged = await orders.stage(session, ctx, OrderCreate.model_validate(order_data))
    if customer is None and staged.customer is not None:
        await customers.lock(session, [staged.customer.id])  # the order's customer, same reason
    customer = customer or staged.customer
    # `session`: the validation session's reservation ends, what it held is ours to take.
    await sessions.consume(session, ctx, body.session, body.redeemables)
    # A new order is INSERTed once, with its discounts, when announced: no autoflush until
    # then (the evaluation and the conditional UPDATEs below don't need its row).
    with session.no_autoflush:
        evaluation, children, parent = await _take(session, ctx, body, staged, customer)
    await orders.announce(session, ctx, staged)
    # Referral codes: the order names its referrer, the customer converts (referrals/).
    await referrals.on_redeemed(
        session, ctx, evaluation.applicable, children, customer, staged.order
    )
    snapshot = order_body(staged.order)
    for r in [*children, *([parent] if parent else [])]:
        r.order_snapshot = snapshot
    # Added once complete: one INSERT each, after the order they point at.
    session.add_all([*([parent] if parent else []), *children])
    await session.flush()
    if customer is not None:
        await customers.record_redemption(
            session,
            customer.id,
            succeeded=len(children),
            gift_amount=sum(c.gift_credits for c in evaluation.applicable),
        )
    await recorded.redeemed(session, ctx, evaluation, children, customer, snapshot)
    return Redeemed(children, parent, staged.order, customer, evaluation, ctx.request_id)


async def _take(
    session: AsyncSession,
    ctx: RequestContext,
    body: StackableRequest,
    staged: orders.StagedOrder,
    customer: Customer | None,
) -> tuple[Evaluation, list[Redemption], Redemption | None]:
    """Check the redeemables, take their uses and credits, and price the order."""
    evaluation = await evaluate(
        session,
        ctx,
        body.redeemables,
        orders.order_input(staged.order),
        customer=customer,
        order_metadata=staged.order.metadata_ or {},
        request_metadata=body.metadata or {},
        item_metadata=[item.metadata_ for item in staged.order.items],
        # Lock order: after the customer (redeem), before the vouchers (below).
        take_counters=True,
    )
    if not evaluation.valid:
        if evaluation.failures:
            raise failures.refused(ctx, body, evaluation.failures)
        # Nothing inapplicable, yet the stacking rules skipped everything (no effect).
        first = evaluation.skipped[0]
        raise failures.refused(ctx, body, evaluation.skipped, stacking.skip_error(first))
    # Mode PARTIAL redeems what applies; inapplicable and skipped ones are only reported.
    applicable = evaluation.applicable
    if evaluation.book is not None:
        await _settle_counters(session, ctx, evaluation.book, evaluation.candidates, applicable)
    # Take every limit and balance in a stable order (by voucher or tier id) so concurrent
    # stacked redemptions lock rows in the same sequence and cannot deadlock.
    for candidate in sorted(applicable, key=lambda c: c.object_id or ""):
        if candidate.tier is not None:  # no use to take: its summary counts the redemption
            await promotions.count_redemption(
                session,
                candidate.tier,
                sign=1,
                order_amount=evaluation.calculated.amount,
                discount=candidate.applied,
            )
            continue
        voucher = candidate.voucher
        assert voucher is not None
        if not await vouchers.consume(session, voucher):
            used_up = inapplicable("quantity_exceeded", f"Voucher {voucher.code} has been used up")
            raise failures.refused(ctx, body, [candidate], used_up)
        if candidate.gift_credits and not await gift.spend_gift(
            session, voucher, candidate.gift_credits
        ):
            short = inapplicable(
                "gift_amount_exceeded",
                f"Gift card {voucher.code} has less than {candidate.gift_credits}",
            )
            raise failures.refused(ctx, body, [candidate], short)
    now = utcnow()
    tracking_id = body.tracking_id or (new_tracking_id() if customer else None)
    parent: Redemption | None = None
    if len(applicable) > 1:
        parent_id = new_id(Prefix.REDEMPTION)
        parent = Redemption(
            id=parent_id,
            project_id=ctx.project_id,
            object="redemption",
            status="SUCCEEDED",
            result="SUCCESS",
            related_object_type="redemption",
            related_object_id=parent_id,
            customer_id=customer.id if customer else None,
            order_id=staged.order.id,
            amount=sum(c.applied for c in applicable),
            tracking_id=tracking_id,
            metadata_=dict(body.metadata or {}),
            applied={},
            created_at=now,
        )
    children: list[Redemption] = []
    for candidate in applicable:
        voucher, tier = candidate.voucher, candidate.tier
        related = voucher or tier
        assert related is not None
        children.append(
            Redemption(
                id=new_id(Prefix.REDEMPTION),
                project_id=ctx.project_id,
                object="redemption",
                parent_id=parent.id if parent else None,
                status="SUCCEEDED",
                result="SUCCESS",
                related_object_type="voucher" if voucher else "promotion_tier",
                related_object_id=related.id,
                customer_id=customer.id if customer else None,
                order_id=staged.order.id,
                voucher_id=voucher.id if voucher else None,
                campaign_id=related.campaign_id,
                amount=candidate.applied,
                gift_credits=candidate.gift_credits,
                tracking_id=tracking_id,
                metadata_=dict(body.metadata or {}),
                created_at=now,
                applied=applied_record(candidate)
                # A tier's summary counted the order's amount: its rollback subtracts it.
                | ({"order_amount": evaluation.calculated.amount} if tier else {}),
            )
        )
    orders.apply_calculation(
        staged.order,
        evaluation.calculated,
        {
            r.id: {
                "date": iso(now),
                "related_object_type": r.related_object_type,
                "related_object_id": r.related_object_id,
                "related_object_parent_id": r.campaign_id,
            }
            for r in children
        },
        evaluation.catalogue,
    )
    return evaluation, children, parent


async def _settle_counters(
    session: AsyncSession,
    ctx: RequestContext,
    book: RuleBook,
    candidates: list[Candidate],
    applicable: list[Candidate],
) -> None:
    """The rule counters `evaluate` took for every redeemable with rules (uses, order amount)
    are given back for those not redeemed after all (skipped by the stacking rules, or
    refused in mode PARTIAL); the discount and gift totals known only now are added for the
    redeemed ones. One relative UPDATE; the rows are already locked by this transaction."""
    redeemed = {id(c) for c in applicable}
    changes = book.late_increments([c.decision for c in applicable if c.decision is not None])
    for candidate in candidates:
        if id(candidate) not in redeemed and candidate.object_id is not None:
            for key, amount in book.early_increments(candidate.object_id).items():
                changes[key] = changes.get(key, 0) - amount
    await rule_counters.add(session, ctx.project_id, changes)


def applied_record(candidate: Candidate) -> dict[str, Any]:
    """What a redemption took from its order, kept so a rollback gives back exactly that:
    cents from the order or from lines, and units a UNIT discount added or made free."""
    record: dict[str, Any] = {
        "order": 0 if candidate.applied_items else candidate.applied,
        "items": {str(k): v for k, v in candidate.applied_items.items()},
    }
    if candidate.decision is not None and candidate.decision.increments:
        # The counters this redemption moved: a rollback subtracts exactly these.
        record["counters"] = dict(candidate.decision.increments)
    if candidate.unit_changes:
        record["units"] = {
            str(k): [c.added_quantity, c.added_amount, c.freed_quantity]
            for k, c in candidate.unit_changes.items()
        }
    return record


def redeemed_body(result: Redeemed) -> dict[str, Any]:
    order = order_body(result.order)
    candidates = result.evaluation.candidates
    voucher_by_id = {c.voucher.id: c.voucher for c in candidates if c.voucher}
    tier_by_id = {
        c.tier.id: promotions.redemption_tier_body(c.tier, c.campaign)
        for c in candidates
        if c.tier is not None and c.campaign is not None
    }
    body: dict[str, Any] = {
        "redemptions": [
            redemption_body(
                r,
                customer=result.customer,
                voucher=voucher_by_id.get(r.voucher_id or ""),
                order=order,
                promotion_tier=tier_by_id.get(r.related_object_id),
            )
            for r in result.redemptions
        ],
        "order": order,
    }
    if result.parent is not None:
        body["parent_redemption"] = redemption_body(
            result.parent, customer=result.customer, voucher=None, order=order
        )
        body["parent_redemption"]["related_redemptions"] = {
            "redemptions": [{"id": r.id, "date": iso(r.created_at)} for r in result.redemptions]
        }
    body |= stacking.left_out(result.evaluation, result.request_id)
    return omit_absent(body, STACKING_OMITTED_WHEN_ABSENT)
