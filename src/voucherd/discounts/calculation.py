"""Pure discount calculation: an order plus stacked discounts -> Voucherify's calculated order.

No database, no I/O.  The caller has already resolved every discount value (formulas
evaluated, percent_off as :class:`~decimal.Decimal`, money as integer cents) and which order
lines each item-level discount may touch (validation rules' ``applicable_to``).

Model (mirrors Voucherify's ``OrderCalculated``):

* An item's ``discount_amount`` holds item-level discounts only; order-level discounts
  (``APPLY_TO_ORDER``, gift card credits) live in the order's ``discount_amount``.
* Discounts apply in the given order, each on what the previous ones left: an item-level
  discount sees each line's remaining amount (amount minus item-level discounts so far), an
  order-level one the order's remaining amount (amount minus every discount so far).
* Nothing goes below zero: item parts are capped by their line, and any discount is capped by
  what is left of the whole order.  When that order cap trims an item-level discount, the cap
  is split over its lines in proportion to their parts (largest remainder).
* ``applied_*`` fields count only what this calculation applied; the plain fields add the
  discounts the input order already carried from earlier redemptions.

Rounding happens only through :mod:`voucherd.kit.money` (half up); proportional splits use
exact largest-remainder apportionment (:func:`voucherd.discounts.items.allocate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from voucherd.discounts import items as item_rules
from voucherd.discounts.calculation_types import (
    ADD_MANY_ITEMS,
    ADD_MISSING_ITEMS,
    ADD_NEW_ITEMS,
    APPLY_TO_ITEMS,
    APPLY_TO_ITEMS_BY_QUANTITY,
    APPLY_TO_ITEMS_PROPORTIONALLY,
    APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY,
    APPLY_TO_ORDER,
    EFFECTS,
    UNIT_EFFECTS,
    CalculatedItem,
    CalculatedOrder,
    DiscountError,
    DiscountInput,
    DiscountType,
    OrderInput,
    OrderItemInput,
    UnitChange,
    UnitInput,
    UnitProduct,
)
from voucherd.discounts.items import Line, Parts
from voucherd.kit.money import percent_of

_T = TypeVar("_T")

__all__ = [
    "ADD_MANY_ITEMS",
    "ADD_MISSING_ITEMS",
    "ADD_NEW_ITEMS",
    "APPLY_TO_ITEMS",
    "APPLY_TO_ITEMS_BY_QUANTITY",
    "APPLY_TO_ITEMS_PROPORTIONALLY",
    "APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY",
    "APPLY_TO_ORDER",
    "EFFECTS",
    "UNIT_EFFECTS",
    "CalculatedItem",
    "CalculatedOrder",
    "DiscountError",
    "DiscountInput",
    "DiscountType",
    "OrderInput",
    "OrderItemInput",
    "UnitChange",
    "UnitInput",
    "UnitProduct",
    "calculate_order",
    "discount_value",
]


def calculate_order(
    order: OrderInput,
    discounts: Sequence[DiscountInput],
    unit_prices: Mapping[str, int | UnitProduct] | None = None,
) -> CalculatedOrder:
    """Apply `discounts` to `order` in sequence and return the calculated order.

    `unit_prices` prices free units (UNIT discounts) of products that aren't in the order,
    by ``unit_type``: a plain price, or the catalogue entry (price and what the added line
    names).  Raises :class:`DiscountError` on invalid input; never returns negative amounts.
    """
    prices = {
        key: entry if isinstance(entry, UnitProduct) else UnitProduct(entry, key)
        for key, entry in (unit_prices or {}).items()
    }
    for product, entry in prices.items():
        _check_cents(f"unit_prices[{product!r}]", entry.price)
    for position, discount in enumerate(discounts):
        _validate_discount(discount, f"discounts[{position}]", len(order.items))

    lines, initial_amount = _prepare(order)
    state = _State(lines=lines, amount=initial_amount, existing_discount=order.discount_amount)
    applied: list[int] = []
    applied_items: list[dict[int, int]] = []
    unit_changes: list[dict[int, UnitChange]] = []
    for discount in discounts:
        order_part = 0
        parts: Parts = {}
        units_before = _units_of(state.lines)
        # ADD_MANY_ITEMS is one step per unit grant, so a later grant sees what an earlier
        # one already discounted (two grants of one product must not discount a line twice).
        for step in _steps(discount):
            step_order, step_parts = _apply(state, step, prices)
            order_part += step_order
            for index, cents in step_parts.items():
                parts[index] = parts.get(index, 0) + cents
        applied.append(order_part + sum(parts.values()))
        applied_items.append(parts)
        unit_changes.append(_unit_changes(units_before, state.lines))
    result = _result(order, state, initial_amount, applied, applied_items)
    result.unit_changes = unit_changes
    return result


def _units_of(lines: Sequence[Line]) -> list[tuple[int, int, int]]:
    return [
        (line.applied_quantity, line.applied_quantity_amount, line.applied_discount_quantity)
        for line in lines
    ]


def _unit_changes(
    before: list[tuple[int, int, int]], lines: Sequence[Line]
) -> dict[int, UnitChange]:
    """What one discount did to the lines' units (lines it added count from zero)."""
    changes: dict[int, UnitChange] = {}
    for index, now in enumerate(_units_of(lines)):
        was = before[index] if index < len(before) else (0, 0, 0)
        if now != was:
            changes[index] = UnitChange(now[0] - was[0], now[1] - was[1], now[2] - was[2])
    return changes


def discount_value(
    order: OrderInput,
    discount: DiscountInput,
    unit_prices: Mapping[str, int | UnitProduct] | None = None,
) -> int:
    """What `discount` alone takes from `order`, in cents."""
    return calculate_order(order, [discount], unit_prices).applied[0]


@dataclass
class _State:
    """The order while discounts are applied."""

    lines: list[Line]
    amount: int  # grows when UNIT discounts add units
    existing_discount: int  # order-level, from earlier redemptions
    order_applied: int = 0  # order-level, applied here

    def remaining(self) -> int:
        """Order amount minus every discount on it so far (order- and item-level)."""
        item_discounts = sum(line.existing_discount + line.applied_discount for line in self.lines)
        return self.amount - self.existing_discount - self.order_applied - item_discounts


def _steps(discount: DiscountInput) -> list[DiscountInput]:
    """Split ADD_MANY_ITEMS into one plain UNIT discount per ``units`` entry."""
    if discount.effect != ADD_MANY_ITEMS:
        return [discount]
    return [
        DiscountInput(type="UNIT", effect=u.effect, unit_off=u.unit_off, unit_type=u.unit_type)
        for u in discount.units
    ]


def _apply(
    state: _State, discount: DiscountInput, unit_prices: Mapping[str, UnitProduct]
) -> tuple[int, Parts]:
    """Apply one (single-step) discount to `state`; returns ``(order-level cents, item parts)``."""
    limit = discount.aggregated_amount_limit
    if discount.effect == APPLY_TO_ORDER:
        cents = _order_level(discount, state.remaining())
        if limit is not None:
            cents = min(cents, limit)
        state.order_applied += cents
        return cents, {}

    added_before = sum(line.applied_quantity_amount for line in state.lines)
    parts = _item_parts(discount, state.lines, unit_prices)
    # Free units added by UNIT discounts grow the order.
    state.amount += sum(line.applied_quantity_amount for line in state.lines) - added_before
    # The per-order cap first, then what the order has left: each keeps the proportions of
    # the lines' uncapped parts, so both are order independent.
    if limit is not None:
        parts = item_rules.trim(parts, limit)
    parts = item_rules.trim(parts, state.remaining())
    for index, cents in parts.items():
        state.lines[index].applied_discount += cents
    return 0, parts


def _item_parts(
    discount: DiscountInput, lines: list[Line], unit_prices: Mapping[str, UnitProduct]
) -> Parts:
    """An item-level discount's take per line, each capped by its line (not yet the order)."""
    effect = discount.effect
    if discount.type == "UNIT":
        return item_rules.free_units(
            lines, _require(discount.unit_type), _require(discount.unit_off), effect, unit_prices
        )
    targets = (
        list(range(len(lines)))
        if discount.applicable_item_indexes is None
        else sorted(discount.applicable_item_indexes)
    )
    if discount.type == "PERCENT":
        return item_rules.percent_off_items(
            lines, targets, _require(discount.percent_off), discount.amount_limit
        )
    if discount.type == "FIXED":
        return item_rules.fixed_price_items(lines, targets, _require(discount.fixed_amount))
    amount_off = _require(discount.amount_off)
    if effect == APPLY_TO_ITEMS:
        return item_rules.amount_off_each(lines, targets, amount_off)
    if effect == APPLY_TO_ITEMS_BY_QUANTITY:
        return item_rules.amount_off_by_quantity(lines, targets, amount_off)
    by_quantity = effect == APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY
    return item_rules.amount_off_proportionally(lines, targets, amount_off, by_quantity=by_quantity)


def _order_level(discount: DiscountInput, left: int) -> int:
    """APPLY_TO_ORDER for AMOUNT, PERCENT and FIXED, on `left` cents of order remaining."""
    if discount.type == "AMOUNT":
        cents = _require(discount.amount_off)
    elif discount.type == "PERCENT":
        cents = percent_of(left, _require(discount.percent_off))
        if discount.amount_limit is not None:
            cents = min(cents, discount.amount_limit)
    else:  # FIXED: the order's new total is fixed_amount
        cents = max(0, left - _require(discount.fixed_amount))
    return max(0, min(cents, left))


def _prepare(order: OrderInput) -> tuple[list[Line], int]:
    """Validate the order and build working lines; returns ``(lines, order amount)``."""
    _check_cents("order.discount_amount", order.discount_amount)
    if order.amount is not None:
        _check_cents("order.amount", order.amount)
    lines: list[Line] = []
    for index, item in enumerate(order.items):
        where = f"order.items[{index}]"
        _check_cents(f"{where}.quantity", item.quantity)
        _check_cents(f"{where}.discount_amount", item.discount_amount)
        if item.price is not None:
            _check_cents(f"{where}.price", item.price)
        if item.amount is not None:
            _check_cents(f"{where}.amount", item.amount)
        # Voucherify trusts a given line amount even when it isn't price * quantity.
        if item.amount is not None:
            line_amount = item.amount
        elif item.price is not None:
            line_amount = item.price * item.quantity
        else:
            line_amount = 0
        priced = item.amount is not None or item.price is not None
        if item.discount_amount > line_amount:
            raise DiscountError(f"{where}.discount_amount exceeds the item amount ({line_amount})")
        lines.append(
            Line(
                quantity=item.quantity,
                price=item.price,
                amount=line_amount,
                product_id=item.product_id,
                sku_id=item.sku_id,
                source_id=item.source_id,
                existing_discount=item.discount_amount,
                initial_quantity=item.quantity,
                initial_amount=line_amount,
                priced=priced,
            )
        )

    items_sum = sum(line.amount for line in lines)
    fully_priced = bool(lines) and all(line.priced for line in lines)
    if order.amount is None:
        amount = items_sum
    elif fully_priced and order.amount != items_sum:
        raise DiscountError(
            f"order.amount ({order.amount}) does not match the sum of item amounts ({items_sum})"
        )
    elif order.amount < items_sum:
        # Some lines are unpriced; the priced ones still can't exceed the whole.
        raise DiscountError(
            f"order.amount ({order.amount}) is less than the sum of item amounts ({items_sum})"
        )
    else:
        amount = order.amount
    if order.discount_amount + sum(line.existing_discount for line in lines) > amount:
        raise DiscountError(f"existing discounts exceed the order amount ({amount})")
    return lines, amount


def _validate_discount(discount: DiscountInput, where: str, item_count: int) -> None:
    """Reject discounts that can't be calculated, naming the offending field."""
    effects = EFFECTS.get(discount.type)
    if effects is None:
        raise DiscountError(f"{where}.type: unknown discount type {discount.type!r}")
    if discount.effect not in effects:
        raise DiscountError(
            f"{where}.effect: {discount.effect!r} is not a valid effect for {discount.type}"
        )
    _check_cents(f"{where}.aggregated_amount_limit", discount.aggregated_amount_limit)
    if discount.type == "AMOUNT":
        _check_cents(f"{where}.amount_off", discount.amount_off, required=True)
    elif discount.type == "PERCENT":
        _check_percent(f"{where}.percent_off", discount.percent_off)
        if discount.amount_limit is not None:
            _check_cents(f"{where}.amount_limit", discount.amount_limit)
    elif discount.type == "FIXED":
        _check_cents(f"{where}.fixed_amount", discount.fixed_amount, required=True)
    elif discount.effect == ADD_MANY_ITEMS:
        if not discount.units:
            raise DiscountError(f"{where}.units is required for ADD_MANY_ITEMS")
        for position, unit in enumerate(discount.units):
            _check_unit(f"{where}.units[{position}]", unit.unit_off, unit.unit_type, unit.effect)
    else:
        _check_unit(where, discount.unit_off, discount.unit_type, discount.effect)
    if discount.applicable_item_indexes is not None:
        for index in discount.applicable_item_indexes:
            if not isinstance(index, int) or not 0 <= index < item_count:
                raise DiscountError(
                    f"{where}.applicable_item_indexes: {index!r} is not an order item index"
                )


def _check_unit(where: str, unit_off: int | None, unit_type: str | None, effect: str) -> None:
    if effect not in UNIT_EFFECTS:
        raise DiscountError(f"{where}.effect: {effect!r} is not a valid unit effect")
    _check_cents(f"{where}.unit_off", unit_off, required=True)
    if not isinstance(unit_type, str) or not unit_type:
        raise DiscountError(f"{where}.unit_type is required for UNIT discounts")


def _check_cents(where: str, value: object, *, required: bool = False) -> None:
    """Money and counts are non-negative ints (bool and float would leak into outputs)."""
    if value is None and not required:
        return
    if value is None:
        raise DiscountError(f"{where} is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise DiscountError(f"{where} must be an integer, got {value!r}")
    if value < 0:
        raise DiscountError(f"{where} must not be negative, got {value}")


def _check_percent(where: str, value: object) -> None:
    # Above 100 % is allowed: the cap at the remaining amount makes it harmless.
    if value is None:
        raise DiscountError(f"{where} is required")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise DiscountError(f"{where} must be a Decimal, got {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise DiscountError(f"{where} must be a finite number, got {value}")
    if value < 0:
        raise DiscountError(f"{where} must not be negative, got {value}")


def _require(value: _T | None) -> _T:
    """Narrow a field :func:`_validate_discount` already checked is present."""
    assert value is not None, "validated discount is missing a field"
    return value


def _result(
    order: OrderInput,
    state: _State,
    initial_amount: int,
    applied: list[int],
    applied_items: list[dict[int, int]],
) -> CalculatedOrder:
    """Assemble the output; every figure derives from `state`, so the totals always agree."""
    order_applied = state.order_applied
    items = [
        CalculatedItem(
            quantity=line.quantity,
            price=line.price,
            amount=line.amount,
            discount_amount=line.existing_discount + line.applied_discount,
            applied_discount_amount=line.applied_discount,
            subtotal_amount=line.amount - line.existing_discount - line.applied_discount,
            initial_quantity=line.initial_quantity,
            initial_amount=line.initial_amount,
            product_id=line.product_id,
            sku_id=line.sku_id,
            source_id=line.source_id,
            discount_quantity=line.applied_discount_quantity or None,
            applied_discount_quantity=line.applied_discount_quantity or None,
            applied_quantity=line.applied_quantity or None,
            applied_quantity_amount=line.applied_quantity_amount or None,
        )
        for line in state.lines
    ]
    discount_amount = order.discount_amount + order_applied
    items_discount_amount = sum(item.discount_amount for item in items)
    items_applied = sum(item.applied_discount_amount for item in items)
    total_discount = discount_amount + items_discount_amount
    amount = state.amount
    return CalculatedOrder(
        amount=amount,
        initial_amount=initial_amount,
        discount_amount=discount_amount,
        items_discount_amount=items_discount_amount,
        total_discount_amount=total_discount,
        total_amount=amount - total_discount,
        applied_discount_amount=order_applied,
        items_applied_discount_amount=items_applied,
        total_applied_discount_amount=order_applied + items_applied,
        items=items,
        applied=applied,
        applied_items=applied_items,
    )
