"""Which rule names and operators voucherd implements (VOUCHERIFY-RULES.md a.2, a.3).

`language.parse` refuses anything not listed here with a 400 naming it, so a rule is never
stored and silently ignored; `evaluate` has one check per name listed here (a test holds
the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Operand(Enum):
    NUMBER = "number"  # integers (money in cents, counts)
    VALUE = "value"  # a scalar: string, number, boolean or date (metadata)
    ITEMS = "items"  # [{id, object, source_id?, effect?}] products / SKUs / collections
    SEGMENTS = "segments"  # seg_ ids
    TEXT = "text"  # any string (api key ids, …)


EQUALITY = frozenset({"$is", "$is_not", "$in", "$not_in"})
ORDERING = frozenset(
    {
        "$less_than",
        "$less_than_or_equal",
        "$more_than",
        "$more_than_or_equal",
        "$greater_than_or_equal",
    }
)
TEXTUAL = frozenset({"$starts_with", "$ends_with", "$contains"})
COUNTING = frozenset({"$count", "$count_more", "$count_less"})  # length of array metadata
DATES = frozenset(
    {
        "$after",
        "$before",
        "$more_than_ago",
        "$less_than_ago",
        "$is_days_ago",
        "$more_than_future",
        "$less_than_future",
        "$is_days_in_future",
        "$timeframe",
        "$timeframe_absolute",
        "$timeframe_daily_hours",
        "$dow",
    }
)
SETS = frozenset({"$not_differ", "$not_intersect"})
PRESENCE = frozenset({"$has_value", "$is_unknown"})
METADATA_OPERATORS = EQUALITY | ORDERING | TEXTUAL | COUNTING | DATES | SETS | PRESENCE
NUMBER_OPERATORS = EQUALITY | ORDERING


@dataclass(frozen=True)
class RuleName:
    operand: Operand
    operators: frozenset[str]
    needs_property: bool = False
    # Names whose sub-rules (the nested `rules` map) are allowed, and which names those are.
    subrules: frozenset[str] = frozenset()


_ITEM_SUBRULES = frozenset(
    {
        "order.items.aggregated_amount",
        "order.items.aggregated_quantity",
        "order.items.price",
        "order.items.quantity",
        "order.items.metadata",
    }
)
_ITEM_MATCH = frozenset({"$is", "$in", "$is_not", "$not_in"})
_COUNTER = RuleName(Operand.NUMBER, NUMBER_OPERATORS)
_METADATA = RuleName(Operand.VALUE, METADATA_OPERATORS, needs_property=True)

SUPPORTED: dict[str, RuleName] = {
    "customer.segment": RuleName(Operand.SEGMENTS, EQUALITY),
    "customer.metadata": _METADATA,
    "order.metadata": _METADATA,
    "redemption.metadata": _METADATA,
    "custom_event.metadata": _METADATA,
    "order.amount": RuleName(Operand.NUMBER, NUMBER_OPERATORS),
    "order.initial_amount": RuleName(Operand.NUMBER, NUMBER_OPERATORS),
    "order.items.count": RuleName(Operand.NUMBER, NUMBER_OPERATORS),
    "order.items.price_any": RuleName(Operand.NUMBER, NUMBER_OPERATORS),
    "order.items.price_each": RuleName(Operand.NUMBER, NUMBER_OPERATORS),
    "order.items.metadata_any": _METADATA,
    "order.items.metadata_each": _METADATA,
    **{
        f"order.items.{which}": RuleName(Operand.ITEMS, _ITEM_MATCH, subrules=_ITEM_SUBRULES)
        for which in ("any", "every", "none", "cheapest", "most_expensive")
    },
    # Only as sub-rules of the item rules above.
    "order.items.aggregated_amount": RuleName(Operand.NUMBER, NUMBER_OPERATORS),
    "order.items.aggregated_quantity": RuleName(Operand.NUMBER, NUMBER_OPERATORS),
    "order.items.price": RuleName(Operand.NUMBER, NUMBER_OPERATORS),
    "order.items.quantity": RuleName(Operand.NUMBER, NUMBER_OPERATORS),
    "order.items.metadata": _METADATA,
    # Budgets and counters: read from the counter rows (`counters.py`), which include the
    # attempt being checked, so `$less_than_or_equal: [1]` means "once".
    "campaign.orders.amount": _COUNTER,
    "campaign.orders.amount_discounted": _COUNTER,
    **{
        f"{counter}{window}": _COUNTER
        for counter in (
            "campaign.redemptions.count",
            "campaign.redemptions.customers_count",
            "redemption.count.per_customer",
        )
        for window in ("", ".daily", ".weekly", ".monthly")
    },
    **{f"redemption.count{window}": _COUNTER for window in (".daily", ".weekly", ".monthly")},
    "redemption.gift.amount": _COUNTER,
    "redemption.reward.pay_with_points.points_used": _COUNTER,
    "redemption.api_key": RuleName(Operand.TEXT, EQUALITY),
    "redemption.count.per_api_key": _COUNTER,
    "publication.redeemable_by_linked_customer": RuleName(Operand.VALUE, frozenset({"$is"})),
}

SUBRULE_ONLY = _ITEM_SUBRULES

# Named by Voucherify but with no data behind them in voucherd: refused by name.
_LEGACY = "a legacy name: use order.items.any with $is [{id, object}] and item sub-rules"
UNSUPPORTED: dict[str, str] = {
    "redemption.user.login": "voucherd has no dashboard users",
    "redemption.count.per_user": "voucherd has no dashboard users",
    # Refused rather than aliased, so a GET returns exactly the rule that will be checked.
    **{
        f"{legacy}{suffix}": _LEGACY
        for legacy in ("product", "sku")
        for suffix in (
            ".id",
            ".price",
            ".quantity",
            ".discount_applicable",
            ".metadata",
            ".metadata.aggregated_quantity",
            ".metadata.aggregated_amount",
            ".metadata.discount_applicable",
            ".metadata.match_all",
        )
    },
}
