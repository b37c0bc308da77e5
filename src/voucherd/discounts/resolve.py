"""From a stored discount (with formulas) to the numbers the calculation needs.

Formulas see money in major units; amount results come back here as cents. A formula that
cannot be evaluated falls back to the static value (Voucherify's rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from voucherd.discounts.calculation import DiscountInput, OrderInput, UnitInput
from voucherd.discounts.formula import FormulaContext, evaluate_number
from voucherd.discounts.schemas import DEFAULT_EFFECT
from voucherd.kit.money import cents_to_major, major_to_cents, round_half_up


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
) -> FormulaContext:
    return FormulaContext(
        variables={**order_variables(order), **voucher_variables}, metadata=metadata, now=now
    )


def _number(
    discount: Mapping[str, Any], field: str, context: FormulaContext, *, money: bool
) -> tuple[Decimal, bool]:
    static = discount.get(field)
    fallback = Decimal(str(static)) if static is not None else Decimal(0)
    formula = discount.get(f"{field}_formula")
    if not formula:
        return fallback, False
    if money:
        value, dynamic = evaluate_number(formula, context, cents_to_major(int(fallback)))
        return Decimal(major_to_cents(value)), dynamic
    return evaluate_number(formula, context, fallback)


def resolve_discount(
    discount: Mapping[str, Any],
    context: FormulaContext,
    applicable_item_indexes: frozenset[int] | None = None,
) -> tuple[DiscountInput, bool]:
    """The discount with formulas evaluated, and whether any formula produced a value."""
    dtype = discount["type"]
    effect = discount.get("effect") or DEFAULT_EFFECT[dtype]
    limit = discount.get("amount_limit")
    if dtype == "AMOUNT":
        value, dynamic = _number(discount, "amount_off", context, money=True)
        return DiscountInput(
            type="AMOUNT",
            effect=effect,
            amount_off=max(0, int(value)),
            applicable_item_indexes=applicable_item_indexes,
        ), dynamic
    if dtype == "PERCENT":
        value, dynamic = _number(discount, "percent_off", context, money=False)
        percent = min(Decimal(100), max(Decimal(0), value))
        return DiscountInput(
            type="PERCENT",
            effect=effect,
            percent_off=percent,
            amount_limit=int(limit) if limit is not None else None,
            applicable_item_indexes=applicable_item_indexes,
        ), dynamic
    if dtype == "FIXED":
        value, dynamic = _number(discount, "fixed_amount", context, money=True)
        return DiscountInput(
            type="FIXED",
            effect=effect,
            fixed_amount=max(0, int(value)),
            applicable_item_indexes=applicable_item_indexes,
        ), dynamic
    units = tuple(
        UnitInput(
            unit_off=max(0, round_half_up(_number(u, "unit_off", context, money=False)[0])),
            unit_type=u["unit_type"],
            effect=u.get("effect", "ADD_MISSING_ITEMS"),
        )
        for u in discount.get("units") or ()
    )
    value, dynamic = _number(discount, "unit_off", context, money=False)
    return DiscountInput(
        type="UNIT",
        effect=effect,
        unit_off=max(0, round_half_up(value)),
        unit_type=discount.get("unit_type"),
        units=units,
    ), dynamic
