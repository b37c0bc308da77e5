"""Inputs, outputs and error of :mod:`voucherd.discounts.calculation` (import them from there).

Kept apart so the calculation module stays readable; all money is integer cents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

DiscountType = Literal["AMOUNT", "PERCENT", "FIXED", "UNIT"]

APPLY_TO_ORDER = "APPLY_TO_ORDER"
APPLY_TO_ITEMS = "APPLY_TO_ITEMS"
APPLY_TO_ITEMS_PROPORTIONALLY = "APPLY_TO_ITEMS_PROPORTIONALLY"
APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY = "APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY"
APPLY_TO_ITEMS_BY_QUANTITY = "APPLY_TO_ITEMS_BY_QUANTITY"
ADD_MISSING_ITEMS = "ADD_MISSING_ITEMS"
ADD_NEW_ITEMS = "ADD_NEW_ITEMS"
ADD_MANY_ITEMS = "ADD_MANY_ITEMS"

#: Effects each discount type supports (Voucherify's OpenAPI ``Discount*`` schemas).
EFFECTS: Mapping[str, frozenset[str]] = {
    "AMOUNT": frozenset(
        {
            APPLY_TO_ORDER,
            APPLY_TO_ITEMS,
            APPLY_TO_ITEMS_PROPORTIONALLY,
            APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY,
            APPLY_TO_ITEMS_BY_QUANTITY,
        }
    ),
    "PERCENT": frozenset({APPLY_TO_ORDER, APPLY_TO_ITEMS}),
    "FIXED": frozenset({APPLY_TO_ORDER, APPLY_TO_ITEMS}),
    "UNIT": frozenset({ADD_MISSING_ITEMS, ADD_NEW_ITEMS, ADD_MANY_ITEMS}),
}
#: Effects a single unit (UNIT's own, or one of ADD_MANY_ITEMS' ``units``) may have.
UNIT_EFFECTS = frozenset({ADD_MISSING_ITEMS, ADD_NEW_ITEMS})


class DiscountError(ValueError):
    """The order or a discount can't be calculated; the message is fit for an API 400."""


@dataclass(frozen=True)
class OrderItemInput:
    """One order line as sent.  ``amount`` wins over ``price * quantity`` when both are given."""

    quantity: int
    price: int | None
    amount: int | None
    product_id: str | None = None
    sku_id: str | None = None
    source_id: str | None = None
    discount_amount: int = 0  # item-level discount already applied by earlier redemptions


@dataclass(frozen=True)
class OrderInput:
    """The order as sent; ``amount`` is needed only when the lines don't price it fully."""

    items: tuple[OrderItemInput, ...] = ()
    amount: int | None = None
    discount_amount: int = 0  # order-level discount already applied by earlier redemptions


@dataclass(frozen=True)
class UnitInput:
    """One free-item grant of an ADD_MANY_ITEMS discount."""

    unit_off: int
    unit_type: str
    effect: str


@dataclass(frozen=True)
class UnitProduct:
    """What a free unit is, read from the catalogue: its price and the line it becomes.

    ``price`` is the SKU's price when the unit is a SKU (else its product's), ``None`` when
    the catalogue has none.  An added line names ``product_id`` and, for a SKU, ``sku_id``.
    """

    price: int | None
    product_id: str
    sku_id: str | None = None


@dataclass(frozen=True)
class DiscountInput:
    """A resolved discount.  ``applicable_item_indexes`` index ``OrderInput.items`` and limit
    item-level effects (``None`` = every line); order-level and UNIT effects ignore it."""

    type: DiscountType
    effect: str
    amount_off: int | None = None
    percent_off: Decimal | None = None
    amount_limit: int | None = None
    # The most this discount may take from one order (Voucherify's "maximum discount amount
    # per order"); for item-level effects it is split over the lines it touched.
    aggregated_amount_limit: int | None = None
    fixed_amount: int | None = None
    unit_off: int | None = None
    unit_type: str | None = None
    units: tuple[UnitInput, ...] = ()
    applicable_item_indexes: frozenset[int] | None = None


@dataclass
class CalculatedItem:
    """An order line after discounts (Voucherify ``OrderCalculatedItem``).

    ``discount_quantity``/``applied_discount_quantity``: units made free by UNIT discounts here;
    ``applied_quantity``/``applied_quantity_amount``: units (and their amount) UNIT discounts
    added; ``initial_*``: the line before added units (0 for lines added here).  ``None`` where
    Voucherify omits the field (nothing of that kind happened).
    """

    quantity: int
    price: int | None
    amount: int
    discount_amount: int
    applied_discount_amount: int
    subtotal_amount: int
    initial_quantity: int
    initial_amount: int
    product_id: str | None = None
    sku_id: str | None = None
    source_id: str | None = None
    discount_quantity: int | None = None
    applied_discount_quantity: int | None = None
    applied_quantity: int | None = None
    applied_quantity_amount: int | None = None


@dataclass(frozen=True)
class UnitChange:
    """What one UNIT discount did to one line: units it added to the order (and their
    amount, which grew the order) and units it made free."""

    added_quantity: int
    added_amount: int
    freed_quantity: int


@dataclass
class CalculatedOrder:
    """The order after discounts (Voucherify ``OrderCalculated``) plus a per-discount breakdown.

    ``applied[k]`` is what ``discounts[k]`` took, in cents; ``applied_items[k]`` maps line index
    (into ``items``) to the cents it took from that line (empty for order-level discounts).
    ``unit_changes[k]`` maps line index to what ``discounts[k]`` (a UNIT discount) did to the
    line's units, so a rollback can undo exactly that (empty for every other discount).
    """

    amount: int
    initial_amount: int
    discount_amount: int
    items_discount_amount: int
    total_discount_amount: int
    total_amount: int
    applied_discount_amount: int
    items_applied_discount_amount: int
    total_applied_discount_amount: int
    items: list[CalculatedItem] = field(default_factory=list)
    applied: list[int] = field(default_factory=list)
    applied_items: list[dict[int, int]] = field(default_factory=list)
    unit_changes: list[dict[int, UnitChange]] = field(default_factory=list)
