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

from voucherd.campaigns.models import Campaign
from voucherd.customers.models import Customer
from voucherd.discounts.calculation import (
    CalculatedOrder,
    DiscountError,
    DiscountInput,
    OrderInput,
    OrderItemInput,
    UnitChange,
    UnitProduct,
    calculate_order,
)
from voucherd.discounts.items import unit_grants, unpriced_units
from voucherd.discounts.resolve import resolve_discount
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, NotFound
from voucherd.kit.money import MAX_AMOUNT
from voucherd.orders.service import InvalidOrder
from voucherd.products import service as products
from voucherd.products.service import Catalogue
from voucherd.promotions import redeemables as promotions
from voucherd.promotions.models import PromotionStack, PromotionTier
from voucherd.redemptions import redeemable_checks as checks
from voucherd.redemptions import stacking
from voucherd.redemptions.schemas import OrderIn, RedeemableIn
from voucherd.referrals.guard import referrer_error
from voucherd.rules import decisions
from voucherd.rules.explain import violation
from voucherd.rules.facts import order_items
from voucherd.rules.targeting import UNLIMITED, Targeted
from voucherd.segments import service as segments
from voucherd.sessions import service as sessions
from voucherd.stacking import service as stacking_rules
from voucherd.stacking.rules import DEFAULT_RULES, StackingRules
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher


@dataclass
class Candidate:
    redeemable: RedeemableIn
    voucher: Voucher | None = None
    # A promotion tier (no code): `voucher` stays None; `stack` when named through a stack.
    tier: PromotionTier | None = None
    stack: PromotionStack | None = None
    campaign: Campaign | None = None
    error: ApiError | None = None
    discount: DiscountInput | None = None
    is_dynamic: bool = False
    applied: int = 0
    applied_items: dict[int, int] = field(default_factory=dict)
    # What a UNIT discount did to the order's units, by line: a rollback undoes it.
    unit_changes: dict[int, UnitChange] = field(default_factory=dict)
    # Why the stacking rules left it out (a `ValidationsRedeemableSkippedResult` key).
    skipped: str | None = None
    # What its validation rules decided: the lines it may touch, the counters it moves.
    targeted: Targeted = UNLIMITED
    decision: decisions.Decision | None = None

    @property
    def object_id(self) -> str | None:
        """The voucher's or the tier's id once loaded (rules and counters are keyed by it)."""
        if self.voucher is not None:
            return self.voucher.id
        return self.tier.id if self.tier is not None else None

    @property
    def label(self) -> str:
        """How messages name it."""
        if self.tier is not None:
            return f"Promotion tier {self.tier.name}"
        return f"Voucher {self.voucher.code if self.voucher else self.redeemable.id}"

    @property
    def gift_credits(self) -> int:
        return (
            self.applied if self.voucher is not None and self.voucher.type == "GIFT_VOUCHER" else 0
        )


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


def inapplicable(key: str, message: str, status: int = 400) -> ApiError:
    return ApiError(message, key=key, message=message, status=status)


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


async def _load(
    session: AsyncSession,
    ctx: RequestContext,
    candidate: Candidate,
    seen_codes: set[str],
    tiers: Mapping[str, tuple[PromotionTier, Campaign]],
) -> None:
    redeemable = candidate.redeemable
    if redeemable.object == "promotion_tier":
        found = tiers.get(redeemable.id)
        if found is None:
            candidate.error = _not_found("promotion_tier", redeemable.id)
        elif redeemable.id in seen_codes:
            candidate.error = inapplicable(
                "duplicate_found", f"Promotion tier {redeemable.id} is given twice"
            )
        else:
            seen_codes.add(redeemable.id)
            candidate.tier, candidate.campaign = found
        return
    try:
        voucher, campaign = await vouchers.get_with_campaign(session, ctx, redeemable.id)
    except NotFound:
        candidate.error = inapplicable(
            "resource_not_found", f"Voucher {redeemable.id} does not exist", 404
        )
        return
    if voucher.id in seen_codes:
        candidate.error = inapplicable("duplicate_found", f"Voucher {voucher.code} is given twice")
        return
    seen_codes.add(voucher.id)
    candidate.voucher = voucher
    # The identity map makes vouchers of one campaign share one Campaign object.
    candidate.campaign = campaign


def _not_found(kind: str, key: str) -> ApiError:
    """Voucherify's INAPPLICABLE entry for an unknown tier or stack (VOUCHERIFY-RULES.md e):
    `not_found` naming the resource; a tier of another project is as unknown."""
    label = kind.replace("_", " ").capitalize()
    return ApiError(
        f"{label} {key} does not exist",
        key="not_found",
        message=f"{label} {key} does not exist",
        status=404,
        resource_id=key,
        resource_type=kind,
    )


async def _expand_stacks(
    session: AsyncSession, ctx: RequestContext, redeemables: list[RedeemableIn]
) -> list[Candidate]:
    """One candidate per redeemable, a stack's tiers in the stack's order in its place (an
    answer may only name vouchers and tiers: VOUCHERIFY-RULES.md e, ours). So an unknown
    stack cannot be an INAPPLICABLE entry: it is a 404 of the request, which changes nothing."""
    stack_ids = [r.id for r in redeemables if r.object == "promotion_stack"]
    stacks = await promotions.load_stacks(session, ctx.project_id, stack_ids)
    candidates: list[Candidate] = []
    for redeemable in redeemables:
        if redeemable.object != "promotion_stack":
            candidates.append(Candidate(redeemable))
            continue
        stack = stacks.get(redeemable.id)
        if stack is None:
            raise NotFound("promotion_stack", redeemable.id)
        for tier_id in promotions.stack_tier_ids(stack):
            tier_in = RedeemableIn(object="promotion_tier", id=tier_id)
            candidates.append(Candidate(tier_in, stack=stack))
    return candidates


def _check(candidate: Candidate, now: Any) -> None:
    if candidate.error is not None or (candidate.voucher is None and candidate.tier is None):
        return
    found = checks.problem(candidate.voucher, candidate.tier, candidate.campaign, now)
    if found is not None:
        candidate.error = inapplicable(*found)
    elif candidate.voucher is not None and candidate.voucher.type == "LOYALTY_CARD":
        candidate.error = inapplicable(
            "invalid_voucher", f"Loyalty card {candidate.voucher.code}: redeem rewards instead"
        )


def _resolve(
    candidate: Candidate,
    order: OrderInput,
    customer: Customer | None,
    order_metadata: dict[str, Any],
    request_metadata: dict[str, Any],
    now: Any,
) -> None:
    voucher, tier = candidate.voucher, candidate.tier
    if candidate.error is not None or (voucher is None and tier is None):
        return
    if voucher is not None and voucher.type == "GIFT_VOUCHER":
        _resolve_gift(candidate, voucher, now)
        return
    raw = voucher.discount if voucher is not None else checks.tier_discount(tier)
    if not raw:
        return
    context = checks.formula_context(
        voucher,
        tier,
        order,
        customer=customer,
        order_metadata=order_metadata,
        request_metadata=request_metadata,
        now=now,
    )
    candidate.discount, candidate.is_dynamic = resolve_discount(raw, context)


def _resolve_gift(candidate: Candidate, voucher: Voucher, now: Any) -> None:
    balance = sessions.free_credits(voucher, now)  # what validation sessions don't hold
    wanted = candidate.redeemable.gift.credits if candidate.redeemable.gift else None
    credits = balance if wanted is None else wanted
    if wanted is not None and wanted > balance:
        candidate.error = inapplicable(
            "gift_amount_exceeded", f"Gift card {voucher.code} has {balance} left"
        )
    elif credits <= 0:
        candidate.error = inapplicable(
            "gift_amount_exceeded", f"Gift card {voucher.code} has no balance left"
        )
    else:
        candidate.discount = DiscountInput(
            type="AMOUNT", effect="APPLY_TO_ORDER", amount_off=credits
        )


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
        candidates = await _expand_stacks(session, ctx, redeemables)
        stacking.check_count([c.redeemable for c in candidates], rules)
        tier_ids = [c.redeemable.id for c in candidates if c.redeemable.object == "promotion_tier"]
        tiers = await promotions.load_tiers(session, ctx.project_id, tier_ids)
    else:
        candidates, tiers = [Candidate(r) for r in redeemables], {}
    seen: set[str] = set()
    for candidate in candidates:
        await _load(session, ctx, candidate, seen, tiers)
        _check(candidate, now)
        if candidate.voucher is not None and candidate.error is None:  # uses sessions hold
            candidate.error = await sessions.check(session, candidate.voucher, now)
        candidate.error = candidate.error or referrer_error(
            candidate.voucher, candidate.campaign, customer
        )
        _resolve(candidate, order, customer, order_metadata, request_metadata, now)
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
