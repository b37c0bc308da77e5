"""Evaluate a rule set against the facts of one redeemable (pure).

`evaluate(ruleset, facts)` walks the `logic` (short-circuiting, so a decided `and`/`or`
checks nothing more) and reports every rule it checked that failed: its number, name,
message, error family (VOUCHERIFY-RULES.md a.6) and a plain-words explanation a shop can
show ("order amount 45.00 is not more than 50.00"). One check per name of `names.SUPPORTED`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voucherd.rules import compare
from voucherd.rules.facts import Facts, ItemFact
from voucherd.rules.item_rules import ItemScope, check_items
from voucherd.rules.logic import holds
from voucherd.rules.tree import Rule, RuleSet
from voucherd.rules.windows import split_window


@dataclass(frozen=True)
class Failure:
    number: str
    name: str
    family: str  # customer | order | redemption
    message: str | None  # the rule's error.message
    explanation: str


@dataclass(frozen=True)
class Outcome:
    passed: bool
    failures: tuple[Failure, ...] = ()

    @property
    def family(self) -> str:
        return self.failures[0].family if self.failures else "redemption"

    def message(self, fallback: str | None) -> str | None:
        """The custom message: the failing rule's, else the rule set's."""
        for failure in self.failures:
            if failure.message:
                return failure.message
        return fallback

    @property
    def explanation(self) -> str:
        return "; ".join(f"rule {f.number}: {f.explanation}" for f in self.failures)


PASSED = Outcome(True)


def family(name: str) -> str:
    """Voucherify does not say; ours: customer.* -> customer, order/product/sku -> order."""
    head = name.split(".", 1)[0]
    if head == "customer":
        return "customer"
    return "order" if head in ("order", "product", "sku") else "redemption"


def evaluate(ruleset: RuleSet, facts: Facts, scope: ItemScope | None = None) -> Outcome:
    rules = ruleset.by_number()
    failures: list[Failure] = []

    def passed(number: str) -> bool:
        rule = rules.get(number)
        if rule is None:  # the parser refuses logic naming a missing rule; be safe anyway
            failures.append(Failure(number, "?", "redemption", None, "the rule does not exist"))
            return False
        why = check(rule, facts, scope)
        if why is not None:
            failures.append(Failure(number, rule.name, family(rule.name), rule.error_message, why))
        return why is None

    if holds(ruleset.logic, passed):
        return PASSED
    return Outcome(False, tuple(failures))


Check = Callable[[Rule, Facts, ItemScope | None], str | None]

MONEY = frozenset(
    {
        "order.amount",
        "order.initial_amount",
        "order.items.price_any",
        "order.items.price_each",
        "order.items.aggregated_amount",
        "order.items.price",
        "campaign.orders.amount",
        "campaign.orders.amount_discounted",
        "redemption.gift.amount",
    }
)

_LABELS = {
    "order.amount": "order amount",
    "order.initial_amount": "order initial amount",
    "order.items.count": "number of order items",
    "order.items.aggregated_amount": "amount of the matching items",
    "order.items.aggregated_quantity": "quantity of the matching items",
    "order.items.price": "item price",
    "order.items.quantity": "item quantity",
    "campaign.orders.amount": "campaign's order total (with this order)",
    "campaign.orders.amount_discounted": "campaign's discount total (with this discount)",
    "campaign.redemptions.count": "campaign's redemptions (with this one)",
    "campaign.redemptions.customers_count": (
        "customer's redemptions in the campaign (with this one)"
    ),
    "redemption.count": "redemptions of this code (with this one)",
    "redemption.count.per_customer": "customer's redemptions of this code (with this one)",
    "redemption.count.per_api_key": "redemptions of this code with this API key (with this one)",
    "redemption.gift.amount": "gift credits redeemed in the campaign (with these)",
    "redemption.reward.pay_with_points.points_used": "points used",
    "redemption.api_key": "API key",
}


def label(name: str, prop: str | None = None) -> str:
    base, window = split_window(name)
    text = _LABELS.get(base, base.replace(".", " ").replace("_", " "))
    if window:
        text += f" ({window[1:]})"
    return f"{text} {prop!r}" if prop is not None else text


def conditions_fail(rule: Rule, value: Any, facts: Facts, what: str | None = None) -> str | None:
    """The first failing condition of `rule` on `value`, in words; None when all hold."""
    money = rule.name in MONEY
    for condition in rule.conditions:
        if not compare.holds(condition.operator, value, condition.operands, facts.now, facts.zone):
            subject = what or label(rule.name, rule.property)
            if value is None:
                return f"{subject} has no value"
            shown = compare.show(value, money)
            why = compare.failure(condition.operator, condition.operands, money)
            return f"{subject} {shown} {why}"
    return None


def _value(read: Callable[[Facts], Any]) -> Check:
    return lambda rule, facts, _scope: conditions_fail(rule, read(facts), facts)


def _metadata(read: Callable[[Facts], Any]) -> Check:
    def check(rule: Rule, facts: Facts, _scope: ItemScope | None) -> str | None:
        source = read(facts) or {}
        return conditions_fail(rule, source.get(rule.property or ""), facts)

    return check


def _segment(rule: Rule, facts: Facts, _scope: ItemScope | None) -> str | None:
    segments = facts.segment_ids
    for condition in rule.conditions:
        listed = {str(o) for o in condition.operands}
        member = bool(listed & segments)
        ok = member if condition.operator in ("$is", "$in") else not member
        if not ok:
            named = ", ".join(sorted(listed))
            state = "is not in" if condition.operator in ("$is", "$in") else "is in"
            return f"customer {state} segment {named}"
    return None


def _items_count(rule: Rule, facts: Facts, _scope: ItemScope | None) -> str | None:
    return conditions_fail(rule, len(facts.items), facts)


def _prices(every: bool) -> Check:
    def check(rule: Rule, facts: Facts, _scope: ItemScope | None) -> str | None:
        results = [(item, conditions_fail(rule, item.price, facts)) for item in facts.items]
        return _any_or_every(results, every, "price")

    return check


def _item_metadata(every: bool) -> Check:
    def check(rule: Rule, facts: Facts, _scope: ItemScope | None) -> str | None:
        results = [
            (item, conditions_fail(rule, item.metadata.get(rule.property or ""), facts))
            for item in facts.items
        ]
        return _any_or_every(results, every, f"metadata {rule.property!r}")

    return check


def _any_or_every(results: list[tuple[ItemFact, str | None]], every: bool, what: str) -> str | None:
    if not results:
        return f"the order has no items to check the {what} of"
    failed = [(item, why) for item, why in results if why is not None]
    if every and failed:
        item, why = failed[0]
        return f"order item {item.index}: {why}"
    if not every and len(failed) == len(results):
        return f"no order item passes: {failed[0][1]}"
    return None


def _scoped(read: Callable[[ItemScope], Any]) -> Check:
    """A sub-rule of an item rule: reads the line being tried, or the matching lines."""

    def check(rule: Rule, facts: Facts, scope: ItemScope | None) -> str | None:
        if scope is None:
            return f"{rule.name} is only a sub-rule of the order.items rules"
        return conditions_fail(rule, read(scope), facts)

    return check


def _counter(rule: Rule, facts: Facts, _scope: ItemScope | None) -> str | None:
    return conditions_fail(rule, facts.counters.get(rule.name, 0), facts)


def _linked_customer(rule: Rule, facts: Facts, _scope: ItemScope | None) -> str | None:
    required = any(c.operands and c.operands[0] is True for c in rule.conditions)
    if not required or facts.holder_id is None or facts.holder_id == facts.customer_id:
        return None
    return "the code is published to another customer than the one redeeming it"


def _items(which: str) -> Check:
    def check(rule: Rule, facts: Facts, _scope: ItemScope | None) -> str | None:
        return check_items(which, rule, facts, evaluate)

    return check


CHECKS: dict[str, Check] = {
    "customer.segment": _segment,
    "customer.metadata": _metadata(lambda f: f.customer_metadata),
    "order.metadata": _metadata(lambda f: f.order_metadata),
    "redemption.metadata": _metadata(lambda f: f.request_metadata),
    "custom_event.metadata": _metadata(lambda f: f.custom_event_metadata),
    "order.amount": _value(lambda f: f.amount),
    "order.initial_amount": _value(lambda f: f.initial_amount),
    "order.items.count": _items_count,
    "order.items.price_any": _prices(every=False),
    "order.items.price_each": _prices(every=True),
    "order.items.metadata_any": _item_metadata(every=False),
    "order.items.metadata_each": _item_metadata(every=True),
    **{
        f"order.items.{which}": _items(which)
        for which in ("any", "every", "none", "cheapest", "most_expensive")
    },
    "order.items.aggregated_amount": _scoped(lambda s: sum(i.amount for i in s.matched)),
    "order.items.aggregated_quantity": _scoped(lambda s: sum(i.quantity for i in s.matched)),
    "order.items.price": _scoped(lambda s: s.line.price),
    "order.items.quantity": _scoped(lambda s: s.line.quantity),
    "order.items.metadata": lambda rule, facts, scope: _scoped(
        lambda s: s.line.metadata.get(rule.property or "")
    )(rule, facts, scope),
    "redemption.reward.pay_with_points.points_used": _value(lambda f: f.points_used),
    "redemption.api_key": _value(lambda f: f.api_key_id),
    "publication.redeemable_by_linked_customer": _linked_customer,
}
COUNTER_NAMES = frozenset(
    name
    for name in (
        "campaign.orders.amount",
        "campaign.orders.amount_discounted",
        "redemption.gift.amount",
        "redemption.count.per_api_key",
        *(
            f"{base}{window}"
            for base in (
                "campaign.redemptions.count",
                "campaign.redemptions.customers_count",
                "redemption.count.per_customer",
                "redemption.count",
            )
            for window in ("", ".daily", ".weekly", ".monthly")
        ),
    )
)
CHECKS.update({name: _counter for name in COUNTER_NAMES if name != "redemption.count"})
COUNTER_NAMES = COUNTER_NAMES - {"redemption.count"}  # only its windows are rule names


def check(rule: Rule, facts: Facts, scope: ItemScope | None = None) -> str | None:
    """Why `rule` fails for these facts, or None when it passes."""
    return CHECKS[rule.name](rule, facts, scope)
