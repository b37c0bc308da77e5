"""Judging one candidate ALONE on the sent order, in memory: no query runs here.

A qualification loads what its candidates share once (stacking rules, one rule book for all
of them, segments, counters, the catalogue) and then asks, for each candidate, what
`POST /v1/validations` would answer for it alone: live and within its windows, its
discount resolved, its validation rules (per-customer limits and budgets included, read
live) passed on the original order, and the order with its discount applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from voucherd.campaigns.models import Campaign
from voucherd.categories.models import Category
from voucherd.customers.models import Customer
from voucherd.discounts.calculation import (
    CalculatedOrder,
    DiscountError,
    DiscountInput,
    OrderInput,
    UnitProduct,
    calculate_order,
)
from voucherd.discounts.items import unpriced_units
from voucherd.discounts.resolve import resolve_discount
from voucherd.kit.money import percent_of
from voucherd.promotions.models import PromotionTier
from voucherd.redemptions import redeemable_checks as checks
from voucherd.redemptions.engine import targeted_discount
from voucherd.rules import decisions
from voucherd.rules.evaluate import check, family
from voucherd.rules.logic import holds
from voucherd.rules.targeting import UNLIMITED, Targeted
from voucherd.rules.tree import RuleSet
from voucherd.sessions import holds as session_holds
from voucherd.stacking.rules import StackingRules
from voucherd.vouchers.models import Voucher

# Rule names that read who the customer is: without a customer such a redeemable is omitted
# (its answer would depend on someone the request does not name).
_CUSTOMER_COUNTERS = ("redemption.count.per_customer", "campaign.redemptions.customers_count")


@dataclass
class Offer:
    """One candidate: a code (`voucher`) or a promotion tier."""

    object: str  # voucher | promotion_tier
    id: str  # the code of a voucher, the id of a tier
    key: str  # the row id rules and counters are kept under
    created_at: datetime
    campaign: Campaign | None
    voucher: Voucher | None = None
    tier: PromotionTier | None = None
    category: Category | None = None
    role: str | None = None  # OWNER | REFERRER for the customer's own codes
    discount: DiscountInput | None = None
    is_dynamic: bool = False
    calculated: CalculatedOrder | None = None
    # What it takes off the order alone; known before `calculated`, which only the returned
    # page needs (`finish`).
    amount: int = 0
    targeted: Targeted = UNLIMITED
    rule_ids: list[str] = field(default_factory=list)

    @property
    def campaign_id(self) -> str | None:
        if self.voucher is not None:
            return self.voucher.campaign_id
        return self.tier.campaign_id if self.tier is not None else None

    @cached_property  # asked several times per candidate; the ids it reads never change
    def redeemable(self) -> decisions.Redeemable:
        if self.tier is not None:  # as the engine keys a tier's rules and counters
            return decisions.Redeemable(self.tier.id, self.tier.campaign_id, None, self.tier.name)
        code = self.voucher
        assert code is not None
        return decisions.Redeemable(code.id, code.campaign_id, code.holder_id, code.code)

    @property
    def is_gift(self) -> bool:
        return self.voucher is not None and self.voucher.type == "GIFT_VOUCHER"

    @property
    def applied(self) -> int:
        """What it takes off the order alone (the BEST_DEAL / LEAST_DEAL key)."""
        return self.amount


@dataclass
class Shared:
    """What every candidate of one qualification is judged against."""

    now: datetime
    order: OrderInput
    base: CalculatedOrder
    prices: Mapping[str, UnitProduct]
    book: decisions.RuleBook | None
    rules: StackingRules
    customer: Customer | None
    order_metadata: Mapping[str, Any]
    request_metadata: Mapping[str, Any]
    audience_only: bool = False


def status_error(offer: Offer, now: datetime) -> str | None:
    """Why the candidate can't be used now (an error key), or None: what a validation
    would say (`redeemable_checks.problem`), and codes whose last uses sessions hold."""
    if offer.tier is not None and offer.campaign is None:
        return "promotion_inactive"  # deleted tiers are never loaded; live ones have one
    found = checks.problem(offer.voucher, offer.tier, offer.campaign, now)
    if found is None and offer.voucher is not None and session_holds.used_up(offer.voucher, now):
        return "quantity_exceeded"  # its last uses are held by validation sessions
    return found[0] if found else None


def resolve(
    offer: Offer,
    request: Shared | Any,
    now: datetime,
    order_vars: Mapping[str, Decimal | str | bool | None] | None = None,
) -> None:
    """The candidate's discount with its formulas evaluated on the order (None: nothing).
    `request` has the order, customer and metadata (`loading.Request` or `Shared`);
    `order_vars` the order's formula variables, computed once for every candidate."""
    voucher = offer.voucher
    if voucher is not None and voucher.type == "GIFT_VOUCHER":
        balance = session_holds.free_credits(voucher, now)  # what sessions don't hold
        if balance > 0:
            offer.discount = DiscountInput(
                type="AMOUNT", effect="APPLY_TO_ORDER", amount_off=balance
            )
        return
    raw = voucher.discount if voucher is not None else checks.tier_discount(offer.tier)
    if not raw:
        return
    context = checks.formula_context(
        voucher,
        offer.tier,
        request.order,
        customer=request.customer,
        order_metadata=request.order_metadata,
        request_metadata=request.request_metadata,
        now=now,
        order_vars=order_vars,
    )
    offer.discount, offer.is_dynamic = resolve_discount(raw, context)


def _names(ruleset: RuleSet) -> Iterable[str]:
    for rule in ruleset.rules:
        yield rule.name
        if rule.subrules is not None:
            yield from _names(rule.subrules)


def rule_names(rules: Iterable[decisions.Assigned]) -> set[str]:
    return {name for rule in rules for name in _names(rule.ruleset)}


def needs_customer(names: Iterable[str]) -> bool:
    return any(
        family(name) == "customer"
        or name.startswith(_CUSTOMER_COUNTERS)
        or name == "publication.redeemable_by_linked_customer"
        for name in names
    )


def _passes_without_cart(
    book: decisions.RuleBook, redeemable: decisions.Redeemable, rules: list[decisions.Assigned]
) -> bool:
    """AUDIENCE_ONLY: the cart's rules (`order.*`, `product.*`, `sku.*`) count as passed;
    the customer's, and the limits and budgets (counters, read live), are checked."""
    counters: dict[str, int] = {}
    attempt = {"count": 1, "order_amount": book.facts.initial_amount, "discount": 0, "gift": 0}
    for need in book.needs.get(redeemable.voucher_id, []):
        before = book.before.get(need.key, 0) if need.key is not None else 0
        counters[need.name] = attempt[need.metric] + before
    facts = book.facts.at(holder_id=redeemable.holder_id, counters=counters)

    def passed(by_number: dict[str, Any]) -> Any:
        def one(number: str) -> bool:
            rule = by_number.get(number)
            if rule is None or family(rule.name) == "order":
                return True
            return check(rule, facts) is None

        return one

    return all(holds(r.ruleset.logic, passed(r.ruleset.by_number())) for r in rules)


def judge(offer: Offer, shared: Shared) -> bool:
    """Whether the candidate applies alone to the order; if so, `offer` learns its numbers."""
    discount = offer.discount
    if discount is None:
        return False
    if unpriced_units(shared.order.items, discount, shared.prices):
        return False
    book = shared.book
    redeemable = offer.redeemable
    assigned = book.rules_of(redeemable) if book is not None else []
    offer.rule_ids = [rule.id for rule in assigned]
    targeted = UNLIMITED
    if book is not None and assigned:
        if shared.customer is None and needs_customer(rule_names(assigned)):
            return False
        targeted = book.targeting(redeemable)
        discount = targeted_discount(discount, targeted)
        if shared.audience_only:
            if not _passes_without_cart(book, redeemable, assigned):
                return False
        else:
            mine: int | None = 0
            if book.reads_discount(redeemable):
                mine = _calculate(shared, discount)
            if mine is None:
                return False
            decision, failed = book.decide(
                redeemable,
                amount=shared.base.total_amount,
                discount=mine,
                gift=mine if offer.is_gift else 0,
                targeted=targeted,
            )
            if failed:
                return False
            targeted = decision.targeted
    calculated = None
    mine = order_level_applied(discount, shared.base.total_amount)
    if mine is None:  # item-level or free units: the full calculation
        try:
            calculated = calculate_order(shared.order, [discount], shared.prices)
        except DiscountError:
            return False
        mine = calculated.applied[0]
        changed = bool(mine or calculated.unit_changes[0])
    else:
        changed = mine > 0
    category_id = offer.category.id if offer.category is not None else None
    if not changed and shared.rules.skips_no_effect(category_id):
        return False  # the stacking rules would skip it (`no_effect`)
    offer.discount, offer.targeted, offer.calculated, offer.amount = (
        discount,
        targeted,
        calculated,
        mine,
    )
    return True


def order_level_applied(discount: DiscountInput, left: int) -> int | None:
    """What an order-level AMOUNT / PERCENT / FIXED discount takes alone from an order with
    `left` cents to pay: `calculate_order`'s answer without building the order (qualifications
    rank every candidate, and only the returned page needs the order itself). None for the
    other discounts. Tested equal to `calculate_order`."""
    if discount.effect != "APPLY_TO_ORDER":
        return None
    if discount.type == "AMOUNT" and discount.amount_off is not None:
        cents = discount.amount_off
    elif discount.type == "PERCENT" and discount.percent_off is not None:
        cents = percent_of(left, discount.percent_off)
        if discount.amount_limit is not None:
            cents = min(cents, discount.amount_limit)
    elif discount.type == "FIXED" and discount.fixed_amount is not None:
        cents = max(0, left - discount.fixed_amount)
    else:
        return None
    if cents < 0 or (discount.aggregated_amount_limit or 0) < 0:
        return None  # invalid: `calculate_order` refuses it, and says why
    cents = max(0, min(cents, left))
    if discount.aggregated_amount_limit is not None:
        cents = min(cents, discount.aggregated_amount_limit)
    return cents


def finish(offer: Offer, shared: Shared) -> bool:
    """The order with the candidate's discount applied, for the answer (False: refused)."""
    if offer.calculated is not None:
        return True
    assert offer.discount is not None
    try:
        offer.calculated = calculate_order(shared.order, [offer.discount], shared.prices)
    except DiscountError:
        return False
    return True


def _calculate(shared: Shared, discount: DiscountInput) -> int | None:
    quick = order_level_applied(discount, shared.base.total_amount)
    if quick is not None:
        return quick
    try:
        return calculate_order(shared.order, [discount], shared.prices).applied[0]
    except DiscountError:
        return None
