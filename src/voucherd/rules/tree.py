"""The typed form of a validation rule set, built by `language.parse` from Voucherify's JSON
and read by `evaluate`. Frozen dataclasses: a parsed rule set can be cached and shared.

Voucherify's JSON, for reference (VOUCHERIFY-RULES.md a.1):
    {"1": {"name": "order.amount", "conditions": {"$more_than": [5000]}, "rules": {},
           "error": {"message": "…"}},
     "2": {…}, "logic": "1 and 2"}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voucherd.rules.logic import Logic


@dataclass(frozen=True)
class Condition:
    """One operator and its operands (always a list in Voucherify's JSON, kept as a tuple).
    Several conditions of one rule are ANDed."""

    operator: str
    operands: tuple[Any, ...]


@dataclass(frozen=True)
class Rule:
    number: str  # its key in the rule set: "1", "2", …
    name: str  # e.g. "order.amount", "customer.metadata"
    property: str | None  # the metadata key for `*.metadata` names
    conditions: tuple[Condition, ...]
    subrules: RuleSet | None
    error_message: str | None


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    logic: Logic | None  # None: no rules ({"logic": ""}), which always passes
    # The `logic` as sent: Voucherify returns it verbatim (" 1 AND 2"), and so do we.
    logic_text: str = ""

    def by_number(self) -> dict[str, Rule]:
        return {rule.number: rule for rule in self.rules}


@dataclass(frozen=True)
class Target:
    """One `applicable_to.included[]` / `excluded[]` entry (VOUCHERIFY-RULES.md a.4)."""

    object: str  # product | sku | products_collection
    id: str
    source_id: str | None = None
    product_id: str | None = None
    product_source_id: str | None = None
    effect: str = "APPLY_TO_EVERY"
    target: str | None = None  # ITEM | UNIT
    skip_initially: int | None = None
    repeat: int | None = None
    quantity_limit: int | None = None
    aggregated_quantity_limit: int | None = None
    amount_limit: int | None = None
    aggregated_amount_limit: int | None = None
    price: int | None = None
    price_formula: str | None = None


@dataclass(frozen=True)
class Targeting:
    included: tuple[Target, ...] = ()
    excluded: tuple[Target, ...] = ()
    included_all: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.included and not self.excluded and not self.included_all
