"""From a stored discount (with formulas) to the numbers the calculation needs.

Formulas see money in major units; amount results come back here as cents. A formula that
cannot be evaluated falls back to the static value (Voucherify's rule), and so does one whose
result no discount could hold: money beyond MAX_AMOUNT cents, more units than MAX_UNITS (a
result like ``POW(10;30)`` or metadata of 1e26 is a broken formula, not a price).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from voucherd.discounts.calculation import DiscountInput, OrderInput, UnitInput
from voucherd.discounts.formula import FormulaContext, evaluate_number
from voucherd.discounts.schemas import DEFAULT_EFFECT
from voucherd.kit.money import MAX_AMOUNT, cents_to_major, major_to_cents, round_half_up

# The most free units one grant may give: the bound the discount schema puts on `unit_off`.
MAX_UNITS = 1_000_000
_MAX_MAJOR = cents_to_major(MAX_AMOUNT)


def order_variables(order: OrderInput) -> dict[str, Decimal | str | bool | None]:
    amount = order.amount
    if amount is None:
        amount = sum(
            (i.amount if i.amount is not None else (i.price or 0) * i.quantity) for i in order.items
        )
    return {
        "ORDER_AMOUNT": cents_to_major(amount),
        "ORDER_TOTAL_AMOUNT": cents_to_major(amount - order.discount_amount),
        # Lines in the order vs. units across lines (Voucherify's two "quantity" variables).
        "ORDER_ITEMS_QUANTITY": Decimal(len(order.items)),
        "ORDER_UNITS_QUANTITY": Decimal(sum(i.quantity for i in order.items)),
    }


def formula_context(
    order: OrderInput,
    *,
    voucher_variables: Mapping[str, Decimal | str | bool | None],
    metadata: Mapping[str, Mapping[str, object]],
    now: datetime,
    order_vars: Mapping[str, Decimal | str | bool | None] | None = None,
) -> FormulaContext:
    """`order_vars`: `order_variables(order)` when the caller already has them (a
    qualification resolves dozens of discounts on one order)."""
    if order_vars is None:
        order_vars = order_variables(order)
    return FormulaContext(variables={**order_vars, **voucher_variables}, metadata=metadata, now=now)


def _number(
    discount: Mapping[str, Any], field: str, context: FormulaContext, *, bound: Decimal
) -> tuple[Decimal, bool]:
    """The field's value: its formula's result if it has a usable one, else the static value.

    A result beyond ``±bound`` counts as a failed formula: it is the static value that applies
    (it is checked against the same bounds when saved), never a clamp of a runaway number.
    """
    static = discount.get(field)
    fallback = Decimal(str(static)) if static is not None else Decimal(0)
    formula = discount.get(f"{field}_formula")
    if not formula:
        return fallback, False
    value, dynamic = evaluate_number(formula, context, fallback)
    if dynamic and not abs(value) <= bound:
        return fallback, False
    return value, dynamic


def _money(discount: Mapping[str, Any], field: str, context: FormulaContext) -> tuple[int, bool]:
    """A money field in cents, within ``[0, MAX_AMOUNT]``; its formula works in major units."""
    static = discount.get(field)
    major = Decimal(0) if static is None else cents_to_major(int(static))
    value, dynamic = _number(
        {field: major, f"{field}_formula": discount.get(f"{field}_formula")},
        field,
        context,
        bound=_MAX_MAJOR,
    )
    return min(MAX_AMOUNT, max(0, major_to_cents(value))), dynamic


def _units(unit: Mapping[str, Any], context: FormulaContext) -> tuple[int, bool]:
    value, dynamic = _number(unit, "unit_off", context, bound=Decimal(MAX_UNITS))
    return min(MAX_UNITS, max(0, round_half_up(value))), dynamic


def resolve_discount(
    discount: Mapping[str, Any],
    context: FormulaContext,
    applicable_item_indexes: frozenset[int] | None = None,
) -> tuple[DiscountInput, bool]:
    """The discount with formulas evaluated, and whether any formula produced a value."""
    dtype = discount["type"]
    effect = discount.get("effect") or DEFAULT_EFFECT[dtype]
    limit = discount.get("amount_limit")
    aggregated = discount.get("aggregated_amount_limit")
    if dtype == "AMOUNT":
        cents, dynamic = _money(discount, "amount_off", context)
        return DiscountInput(
            type="AMOUNT",
            effect=effect,
            amount_off=cents,
            aggregated_amount_limit=int(aggregated) if aggregated is not None else None,
            applicable_item_indexes=applicable_item_indexes,
        ), dynamic
    if dtype == "PERCENT":
        # Any finite percent is harmless here: it is clamped to 0..100 below.
        value, dynamic = _number(discount, "percent_off", context, bound=Decimal("Infinity"))
        percent = min(Decimal(100), max(Decimal(0), value))
        return DiscountInput(
            type="PERCENT",
            effect=effect,
            percent_off=percent,
            amount_limit=int(limit) if limit is not None else None,
            aggregated_amount_limit=int(aggregated) if aggregated is not None else None,
            applicable_item_indexes=applicable_item_indexes,
        ), dynamic
    if dtype == "FIXED":
        cents, dynamic = _money(discount, "fixed_amount", context)
        return DiscountInput(
            type="FIXED",
            effect=effect,
            fixed_amount=cents,
            applicable_item_indexes=applicable_item_indexes,
        ), dynamic
    units = tuple(
        UnitInput(
            unit_off=_units(u, context)[0],
            unit_type=u["unit_type"],
            effect=u.get("effect", "ADD_MISSING_ITEMS"),
        )
        for u in discount.get("units") or ()
    )
    unit_off, dynamic = _units(discount, context)
    return DiscountInput(
        type="UNIT",
        effect=effect,
        unit_off=unit_off,
        unit_type=discount.get("unit_type"),
        units=units,
    ), dynamic
