"""Evaluating redeemables against an order: shared by validation and redemption.

Each redeemable is checked (exists, active, dates, limits, balance), its discount resolved
(formulas included), and the stack applied to the order in the order and within the limits
of the project's stacking rules (redemptions/stacking.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers.models import Customer
from voucherd.discounts.calculation import (
    CalculatedOrder,
    DiscountError,
    DiscountInput,
    OrderInput,
    OrderItemInput,
    UnitProduct,
    calculate_order,
)
from voucherd.discounts.items import unit_grants, unpriced_units
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.money import MAX_AMOUNT
from voucherd.orders.service import InvalidOrder
from voucherd.products import service as products
from voucherd.products.service import Catalogue
from voucherd.promotions import redeemables as promotions
from voucherd.redemptions import candidates as redeemable_candidates
from voucherd.redemptions import stacking
from voucherd.redemptions.candidates import Candidate, inapplicable
from voucherd.redemptions.schemas import OrderIn, RedeemableIn
from voucherd.referrals.guard import referrer_error
from voucherd.rules import decisions
from voucherd.rules.explain import violation
from voucherd.rules.facts import order_items
from voucherd.rules.targeting import Targeted
from voucherd.segments import service as segments
from voucherd.sessions import service as sessions
from voucherd.stacking import service as stacking_rules
from voucherd.stacking.rules import DEFAULT_RULES, StackingRules


@dataclass
class Evaluation:
    candidates: list[Candidate]
    order_input: OrderInput
    calculated: CalculatedOrder
    # The products and SKUs UNIT discounts give away, by id: the lines they add name them.
    catalogue: Catalogue = field(default_factory=dict)
    rules: StackingRules = DEFAULT_RULES
    book: decisions.RuleBook | None = None

    @property
    def applicable(self) -> list[Candidate]:
        """What applies, in application order."""
        return [c for c in self.candidates if c.error is None and c.skipped is None]

    @property
    def valid(self) -> bool:
        """Something applies and, in mode ALL, nothing is inapplicable."""
        if not self.applicable:
            return False
        return self.rules.redeemables_application_mode == "PARTIAL" or not self.failures

    @property
    def failures(self) -> list[Candidate]:
        return [c for c in self.candidates if c.error is not None]

    @property
    def skipped(self) -> list[Candidate]:
        return [c for c in self.candidates if c.error is None and c.skipped is not None]


def payload_order_input(order: OrderIn | None) -> OrderInput:
    """An order given inline, read without touching storage (validation)."""
    if order is None:
        return OrderInput(items=(), amount=0)
    items = tuple(
        OrderItemInput(
            quantity=i.quantity or 1,
            price=i.price,
            amount=i.amount,
            product_id=i.product_id,
            sku_id=i.sku_id,
            source_id=i.source_id,
            discount_amount=i.discount_amount or 0,
        )
        for i in order.items or ()
    )
    amount = order.amount
    if amount is None and items:
        amount = sum(
            i.amount if i.amount is not None else (i.price or 0) * i.quantity for i in items
        )
    return OrderInput(items=items, amount=amount or 0, discount_amount=order.discount_amount or 0)


async def evaluate(
    session: AsyncSession,
    ctx: RequestContext,
    redeemables: list[RedeemableIn],
    order: OrderInput,
    *,
    customer: Customer | None,
    order_metadata: dict[str, Any],
    request_metadata: dict[str, Any],
    item_metadata: Sequence[Mapping[str, Any] | None] = (),
    take_counters: bool = False,
) -> Evaluation:
    """`take_counters` (redemption): lock and increment the counters rules read."""
    now = utcnow()
    rules = await stacking_rules.rules_for(session, ctx.project_id)
    stacking.check_count(redeemables, rules)
    if any(r.object != "voucher" for r in redeemables):  # codes alone cost no query here
        candidates = await redeemable_candidates.expand_stacks(session, ctx, redeemables)
        stacking.check_count([c.redeemable for c in candidates], rules)
        tier_ids = [c.redeemable.id for c in candidates if c.redeemable.object == "promotion_tier"]
        tiers = await promotions.load_tiers(session, ctx.project_id, tier_ids)
    else:
        candidates, tiers = [Candidate(r) for r in redeemables], {}
    seen: set[str] = set()
    for candidate in candidates:
        await redeemable_candidates.load(session, ctx, candidate, seen, tiers)
        redeemable_candidates.check(candidate, now)
        if candidate.voucher is not None and candidate.error is None:  # uses sessions hold
            candidate.error = await sessions.check(session, candidate.voucher, now)
        candidate.error = candidate.error or referrer_error(
            candidate.voucher, candidate.campaign, customer
        )
        redeemable_candidates.resolve(
            candidate, order, customer, order_metadata, request_metadata, now
        )
    catalogue = await _price_free_units(session, ctx, candidates, order)
    prices = _unit_products(catalogue)
    try:
        base = calculate_order(order, [], prices)
    except DiscountError as exc:
        raise InvalidOrder(str(exc)) from exc
    book = await decisions.prepare(
        session,
        ctx,
        [_redeemable(c) for c in candidates if c.object_id is not None and c.error is None],
        now=now,
        items=order_items(order, item_metadata),
        initial_amount=base.amount,
        customer=customer,
        order_metadata=order_metadata,
        request_metadata=request_metadata,
        lock=take_counters,
        zone=ctx.zone,
        segment_ids=segments.customer_segment_ids,
    )
    # Stacking arranges (order, limits, categories), then each applied redeemable's rules are
    # decided on the running order. A rule that fails makes its redeemable inapplicable, which
    # the arrangement must see (mode ALL skips what follows; a limit's slot frees up): arrange
    # again until no new failure appears. Failures only grow, so this ends.
    while True:
        failing = sum(c.error is not None for c in candidates)
        ordered, calculated = stacking.settle(
            candidates, rules, lambda applied: _calculate(order, prices, applied, book, base)
        )
        if sum(c.error is not None for c in candidates) == failing:
            break
    return Evaluation(ordered, order, calculated, catalogue, rules, book)


def _calculate(
    order: OrderInput,
    prices: dict[str, UnitProduct],
    applied: list[Candidate],
    book: decisions.RuleBook | None,
    base: CalculatedOrder,
) -> CalculatedOrder:
    """The order with `applied` stacked in that order, each first decided by its rules on the
    running order; each candidate that applies learns its share."""
    try:
        usable = _apply_rules(book, applied, order, prices, base)
        calculated = _calculated(order, usable, prices)
    except DiscountError as exc:
        raise InvalidOrder(str(exc)) from exc
    if calculated.amount > MAX_AMOUNT:  # free units can grow an order past any real one
        raise InvalidOrder(
            f"The free items make the order amount exceed the largest accepted ({MAX_AMOUNT})"
        )
    for candidate, cents, items, units in zip(
        usable, calculated.applied, calculated.applied_items, calculated.unit_changes, strict=True
    ):
        candidate.applied = cents
        candidate.applied_items = items
        candidate.unit_changes = units
    return calculated


def _redeemable(candidate: Candidate) -> decisions.Redeemable:
    if candidate.tier is not None:
        tier = candidate.tier
        return decisions.Redeemable(tier.id, tier.campaign_id, None, tier.name)
    voucher = candidate.voucher
    assert voucher is not None
    return decisions.Redeemable(voucher.id, voucher.campaign_id, voucher.holder_id, voucher.code)


def _calculated(
    order: OrderInput, candidates: list[Candidate], prices: Mapping[str, UnitProduct]
) -> CalculatedOrder:
    return calculate_order(order, [c.discount for c in candidates if c.discount], prices)


def _apply_rules(
    book: decisions.RuleBook | None,
    candidates: list[Candidate],
    order: OrderInput,
    prices: Mapping[str, UnitProduct],
    base: CalculatedOrder,
) -> list[Candidate]:
    """Decide each redeemable on the RUNNING order (VOUCHERIFY-RULES.md b): its rules see
    `order.amount` after the redeemables before it, and a refused one takes nothing, so the
    ones after it see the order without it. Returns the redeemables that apply."""
    usable: list[Candidate] = []
    for candidate in candidates:
        if candidate.error is not None or candidate.discount is None:
            continue
        redeemable = _redeemable(candidate)
        if book is None or not book.rules_of(redeemable):
            usable.append(candidate)
            continue
        # The running total: the order after the redeemables before this one.
        before = base if not usable else _calculated(order, usable, prices)
        targeted = book.targeting(redeemable)
        candidate.discount = _targeted(candidate.discount, targeted)
        mine = gift = 0
        if book.reads_discount(redeemable):  # only budget counters need this step's discount
            mine = _calculated(order, [*usable, candidate], prices).applied[-1]
            gift = mine if candidate.voucher and candidate.voucher.type == "GIFT_VOUCHER" else 0
        decision, failed = book.decide(
            redeemable, amount=before.total_amount, discount=mine, gift=gift, targeted=targeted
        )
        candidate.decision = decision
        candidate.targeted = decision.targeted
        if failed:
            candidate.error = violation(candidate.label, failed)
            continue
        usable.append(candidate)
    return usable


def _targeted(discount: DiscountInput, targeted: Targeted) -> DiscountInput:
    """Limit an item-level discount to the lines its rule's `applicable_to` allows."""
    if targeted.indexes is None or discount.effect == "APPLY_TO_ORDER" or discount.type == "UNIT":
        return discount
    caps: dict[str, Any] = {}
    if targeted.aggregated_amount_limit is not None:
        caps["aggregated_amount_limit"] = min(
            targeted.aggregated_amount_limit,
            discount.aggregated_amount_limit or targeted.aggregated_amount_limit,
        )
    if targeted.amount_limit is not None and discount.type == "PERCENT":
        caps["amount_limit"] = min(
            targeted.amount_limit, discount.amount_limit or targeted.amount_limit
        )
    return replace(discount, applicable_item_indexes=targeted.indexes, **caps)


async def _price_free_units(
    session: AsyncSession, ctx: RequestContext, candidates: list[Candidate], order: OrderInput
) -> Catalogue:
    """Read every product or SKU the request's UNIT discounts give away, in one query.

    A free unit is priced like an order line: by the order's own line for the product, else
    by the catalogue (the SKU's price when the discount names a SKU, else the product's).
    With neither, the discount would add the item at no price and take nothing off while
    still using the voucher up; Voucherify prices free items from its product inventory, so
    such a voucher is refused as `invalid_order` (the order can't be priced), which a client
    can fix by sending the item with its price.
    """
    unit_types = {
        unit_type
        for c in candidates
        if c.error is None and c.discount is not None
        for unit_type, _ in unit_grants(c.discount)
    }
    if not unit_types:
        return {}
    catalogue = await products.catalogue_entries(session, ctx, unit_types)
    prices = _unit_products(catalogue)
    for candidate in candidates:
        if candidate.error is not None or candidate.discount is None:
            continue
        missing = unpriced_units(order.items, candidate.discount, prices)
        if missing and candidate.object_id is not None:
            what = (
                "has no price in the order or the product catalogue"
                if missing[0] in catalogue
                else "is not in the product catalogue"
            )
            candidate.error = inapplicable(
                "invalid_order",
                f"{candidate.label} gives away {missing[0]}, which {what}",
            )
    return catalogue


def _unit_products(catalogue: Catalogue) -> dict[str, UnitProduct]:
    return {
        key: UnitProduct(products.unit_price(product, sku), product.id, sku.id if sku else None)
        for key, (product, sku) in catalogue.items()
    }


# Public pieces for callers that judge redeemables in memory, one at a time, after loading
# what they share once (qualifications).
def targeted_discount(discount: DiscountInput, targeted: Targeted) -> DiscountInput:
    """An item-level discount limited to the lines its rules' `applicable_to` allows."""
    return _targeted(discount, targeted)
