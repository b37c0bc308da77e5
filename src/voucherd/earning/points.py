"""How many points a rule gives: FIXED, PROPORTIONAL, formulas and tier mappings.

Pure: the facts (the paid order as recorded in the event, customer and custom event metadata)
come in as plain data. Money is in cents; formulas see major units (Voucherify's convention).

Choices where Voucherify is silent:
* PROPORTIONAL gives `floor(value / every) * points`: partial steps earn nothing.
* A `points_formula` replaces the static `points` it sits next to (per step for PROPORTIONAL);
  a result that is not a number falls back to the static points; results are floored, never
  negative.
* Tier mappings apply to the points next to `every` (the tiers domain's `apply_mapping`, as
  its `GET …/tiers/{id}/earning-rules` shows them): MULTIPLY scales them (half up), CUSTOM
  replaces them; formula results are mapped the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from voucherd.discounts.formula import FormulaContext, evaluate_number
from voucherd.earning.rules import (
    ITEM_TYPES,
    item_targets,
    loyalty_type,
    step_of,
)
from voucherd.kit.money import MAX_POINTS, cents_to_major
from voucherd.tiers.rules import apply_mapping

_NUMERIC_TEXT = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*")


@dataclass(frozen=True)
class EarningFacts:
    order: Mapping[str, Any] | None = None
    customer_metadata: Mapping[str, Any] = field(default_factory=dict)
    event_metadata: Mapping[str, Any] = field(default_factory=dict)
    now: datetime | None = None


@dataclass(frozen=True)
class Grant:
    """`steps` times `per_step` points (FIXED rules have one step)."""

    steps: int
    per_step: int

    @property
    def points(self) -> int:
        return min(self.steps * self.per_step, MAX_POINTS)


def number(value: object) -> Decimal | None:
    """A metadata value as a number: ints, floats and numeric text; anything else is None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    if isinstance(value, str) and _NUMERIC_TEXT.fullmatch(value):
        return Decimal(value.strip())
    return None


def _items(order: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    items = (order or {}).get("items") or []
    return [i for i in items if isinstance(i, Mapping)]


def _item_amount(item: Mapping[str, Any]) -> int:
    if item.get("amount") is not None:
        return int(item["amount"])
    return int(item.get("price") or 0) * int(item.get("quantity") or 0)


def _item_subtotal(item: Mapping[str, Any]) -> int:
    if item.get("subtotal_amount") is not None:
        return int(item["subtotal_amount"])
    return _item_amount(item) - int(item.get("discount_amount") or 0)


def _order_amount(order: Mapping[str, Any] | None) -> int:
    if order and order.get("amount") is not None:
        return int(order["amount"])
    return sum(_item_amount(i) for i in _items(order))


def _order_total(order: Mapping[str, Any] | None) -> int:
    if order and order.get("total_amount") is not None:
        return int(order["total_amount"])
    return _order_amount(order) - int((order or {}).get("total_discount_amount") or 0)


def _matches(item: Mapping[str, Any], kind: str, target: str) -> bool:
    if kind == "product":
        product = item.get("product") or {}
        return target in (item.get("product_id"), product.get("source_id"))
    if kind == "sku":
        sku = item.get("sku") or {}
        return target in (item.get("sku_id"), sku.get("source_id"))
    return False


def _items_value(calculation: str, step: Mapping[str, Any], facts: EarningFacts) -> Decimal:
    targets = item_targets(step)
    chosen = [
        item
        for item in _items(facts.order)
        if any(_matches(item, kind, target) for kind, target in targets)
    ]
    if calculation == "ORDER_ITEMS_QUANTITY":
        return Decimal(sum(int(i.get("quantity") or 0) for i in chosen))
    if calculation == "ORDER_ITEMS_AMOUNT":
        return Decimal(sum(_item_amount(i) for i in chosen))
    return Decimal(sum(_item_subtotal(i) for i in chosen))


def measured_value(calculation: str, step: Mapping[str, Any], facts: EarningFacts) -> Decimal:
    """The quantity a PROPORTIONAL rule counts `every` of (cents for amounts)."""
    if calculation == "ORDER_AMOUNT":
        return Decimal(_order_amount(facts.order))
    if calculation == "ORDER_TOTAL_AMOUNT":
        return Decimal(_order_total(facts.order))
    if calculation in ITEM_TYPES:
        return _items_value(calculation, step, facts)
    source = {
        "ORDER_METADATA": (facts.order or {}).get("metadata") or {},
        "CUSTOMER_METADATA": facts.customer_metadata,
        "CUSTOM_EVENT_METADATA": facts.event_metadata,
    }.get(calculation, {})
    return number(source.get(str(step.get("property")))) or Decimal(0)


def formula_context(facts: EarningFacts) -> FormulaContext:
    order = facts.order
    items = _items(order)
    return FormulaContext(
        variables={
            "ORDER_AMOUNT": cents_to_major(_order_amount(order)),
            "ORDER_TOTAL_AMOUNT": cents_to_major(_order_total(order)),
            "ORDER_ITEMS_QUANTITY": Decimal(len(items)),
            "ORDER_UNITS_QUANTITY": Decimal(sum(int(i.get("quantity") or 0) for i in items)),
        },
        metadata={
            "ORDER_METADATA": (order or {}).get("metadata") or {},
            "CUSTOMER_METADATA": facts.customer_metadata,
            "CUSTOM_EVENT_METADATA": facts.event_metadata,
        },
        now=facts.now,
    )


def _whole(value: Decimal) -> int:
    if value <= 0:
        return 0
    return min(math.floor(value), MAX_POINTS)


def static_or_formula(
    body: Mapping[str, Any], facts: EarningFacts, mapping: Mapping[str, Any] | None = None
) -> int:
    """The points next to `every` (or of a FIXED rule), through the member's tier mapping."""
    static = int(body.get("points") or 0)
    formula = body.get("points_formula")
    if formula:
        value, _dynamic = evaluate_number(str(formula), formula_context(facts), Decimal(static))
        static = _whole(value)
    return max(apply_mapping(static, mapping), 0) if mapping else static


def compute(
    loyalty: Mapping[str, Any], facts: EarningFacts, mapping: Mapping[str, Any] | None = None
) -> Grant:
    """The rule's points for these facts; `mapping` is the member tier's entry for the rule."""
    if loyalty_type(loyalty) == "FIXED":
        return Grant(1, static_or_formula(loyalty, facts, mapping))
    step = step_of(loyalty)
    if step is None or not step.get("every"):
        return Grant(0, 0)
    value = measured_value(str(loyalty.get("calculation_type")), step, facts)
    steps = _whole(value / Decimal(int(step["every"])))
    return Grant(steps, static_or_formula(step, facts, mapping))
