"""Item-level discount arithmetic for :mod:`voucherd.discounts.calculation`.

Everything here works on mutable :class:`Line` objects (one per order line, plus lines that
free-item discounts add) and returns *proposed* parts, ``{line index: cents}``.  The caller
(:func:`voucherd.discounts.calculation.calculate_order`) applies the order-wide cap and commits
them, so these helpers never look at order-level discounts.

Money is integer cents.  Fractions of a cent only arise from percentages and unit prices
derived from line amounts; those go through :mod:`voucherd.kit.money`.  Proportional splits
use exact integer apportionment (:func:`allocate`), which is not rounding: the parts must sum
to the total exactly, which no per-part rounding rule can guarantee.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from voucherd.discounts.calculation_types import (
    ADD_MANY_ITEMS,
    ADD_NEW_ITEMS,
    DiscountInput,
    OrderItemInput,
    UnitProduct,
)
from voucherd.kit.money import percent_of, round_half_up

Parts = dict[int, int]


@dataclass
class Line:
    """Working state of one order line while discounts are applied."""

    quantity: int
    price: int | None
    amount: int
    product_id: str | None
    sku_id: str | None
    source_id: str | None
    # Item-level discount already on the line from earlier redemptions.
    existing_discount: int
    initial_quantity: int
    initial_amount: int
    # False for lines sent with neither price nor amount: they count 0 and can't be discounted.
    priced: bool
    applied_discount: int = 0
    applied_discount_quantity: int = 0
    applied_quantity: int = 0
    applied_quantity_amount: int = 0

    @property
    def remaining(self) -> int:
        """What item-level discounts may still take from this line."""
        return self.amount - self.existing_discount - self.applied_discount

    def unit_price(self) -> int | None:
        """Price of one unit: the line price, else its amount spread over its quantity."""
        if self.price is not None:
            return self.price
        if self.priced and self.quantity > 0:
            return round_half_up(Decimal(self.amount) / Decimal(self.quantity))
        return None

    def matches(self, product: str) -> bool:
        """Whether this line holds `product` (a unit_type: product, SKU or source id)."""
        return product in (self.product_id, self.sku_id, self.source_id)


def allocate(total: int, weights: Sequence[int], caps: Sequence[int]) -> list[int]:
    """Split `total` cents into parts proportional to `weights`, part ``i`` at most ``caps[i]``.

    Largest-remainder apportionment: each part gets the floor of its exact share and the
    leftover cents go one each to the largest fractional remainders (ties: lowest index), so
    the parts sum exactly to ``min(total, sum of caps of positive-weight parts)``.  When a part
    hits its cap the surplus is re-split over the others (water filling).  Zero-weight parts
    get nothing.
    """
    parts = [0] * len(weights)
    left = max(0, total)
    while left > 0:
        open_ = [i for i, w in enumerate(weights) if w > 0 and parts[i] < caps[i]]
        if not open_:
            break
        shares = _largest_remainder(left, [weights[i] for i in open_])
        capped = False
        for i, share in zip(open_, shares, strict=True):
            take = min(share, caps[i] - parts[i])
            capped = capped or take < share
            parts[i] += take
            left -= take
        if not capped:
            break
    return parts


def trim(parts: Parts, cap: int) -> Parts:
    """`parts` cut down to `cap` cents in all, in proportion to their sizes.

    Apportionment by :func:`allocate`, not rounding: the parts must sum to exactly
    ``min(total, cap)`` and each stays at most its uncapped size (so within its line);
    ties go to the lowest line index, so the split is deterministic.
    """
    if sum(parts.values()) <= cap:
        return parts
    indexes = sorted(parts)
    proposed = [parts[i] for i in indexes]
    trimmed = allocate(cap, proposed, proposed)
    return {i: part for i, part in zip(indexes, trimmed, strict=True) if part > 0}


def _largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Exact integer apportionment of `total` by positive `weights` (see :func:`allocate`)."""
    weight_sum = sum(weights)
    shares: list[int] = []
    remainders: list[tuple[int, int]] = []
    for i, weight in enumerate(weights):
        share, remainder = divmod(total * weight, weight_sum)
        shares.append(share)
        # Sort key: largest remainder first, then lowest index, for a deterministic result.
        remainders.append((-remainder, i))
    leftover = total - sum(shares)
    for _, i in sorted(remainders)[:leftover]:
        shares[i] += 1
    return shares


def _positive(parts: Iterable[tuple[int, int]]) -> Parts:
    """Drop zero parts so breakdowns only name lines a discount actually touched."""
    return {i: cents for i, cents in parts if cents > 0}


def amount_off_each(lines: Sequence[Line], targets: Sequence[int], amount_off: int) -> Parts:
    """AMOUNT / APPLY_TO_ITEMS: `amount_off` off every target line, capped by the line."""
    return _positive((i, min(amount_off, lines[i].remaining)) for i in targets)


def amount_off_by_quantity(lines: Sequence[Line], targets: Sequence[int], amount_off: int) -> Parts:
    """AMOUNT / APPLY_TO_ITEMS_BY_QUANTITY: `amount_off` per unit, capped by the line."""
    return _positive((i, min(amount_off * lines[i].quantity, lines[i].remaining)) for i in targets)


def amount_off_proportionally(
    lines: Sequence[Line], targets: Sequence[int], amount_off: int, *, by_quantity: bool
) -> Parts:
    """AMOUNT / APPLY_TO_ITEMS_PROPORTIONALLY[_BY_QUANTITY]: split one `amount_off`.

    Weights are the lines' remaining amounts, or their quantities when `by_quantity`.  A line
    whose by-quantity share exceeds what is left on it is capped and the surplus re-split over
    the other lines, so the discount only shrinks when all target lines are exhausted.
    """
    caps = [max(0, lines[i].remaining) for i in targets]
    weights = [lines[i].quantity for i in targets] if by_quantity else caps
    split = allocate(amount_off, weights, caps)
    return _positive(zip(targets, split, strict=True))


def percent_off_items(
    lines: Sequence[Line], targets: Sequence[int], percent: Decimal, amount_limit: int | None
) -> Parts:
    """PERCENT / APPLY_TO_ITEMS: `percent` of each target line's remaining amount.

    `amount_limit` caps the total.  When it bites, the limit is split over the lines in
    proportion to their uncapped parts (largest remainder), so every line keeps the same
    effective percentage and the result doesn't depend on the order of the lines.
    """
    raw = [min(percent_of(lines[i].remaining, percent), lines[i].remaining) for i in targets]
    raw = [max(0, cents) for cents in raw]
    if amount_limit is not None and sum(raw) > amount_limit:
        raw = allocate(amount_limit, raw, raw)
    return _positive(zip(targets, raw, strict=True))


def fixed_price_items(lines: Sequence[Line], targets: Sequence[int], fixed_amount: int) -> Parts:
    """FIXED / APPLY_TO_ITEMS: each target unit now costs `fixed_amount`.

    The discount brings the line's remaining amount down to ``fixed_amount * quantity``; on a
    line nothing else discounted that is ``(price - fixed_amount) * quantity``.  Never negative:
    a fixed price above the current one is no discount.
    """
    return _positive(
        (i, max(0, lines[i].remaining - fixed_amount * lines[i].quantity)) for i in targets
    )


def free_units(
    lines: list[Line],
    unit_type: str,
    unit_off: int,
    effect: str,
    catalogue: Mapping[str, UnitProduct],
) -> Parts:
    """UNIT discounts: add free units of `unit_type` to the order and discount them.

    ADD_NEW_ITEMS appends a new line of `unit_off` units, fully discounted.  ADD_MISSING_ITEMS
    tops the order up to `unit_off` units (on the first line holding the product, or a new
    line) and discounts `unit_off` units, walking the product's lines in order.  Units are
    priced at the order line's unit price, else at ``catalogue[unit_type].price``; with
    neither, the units are still added but the discount is 0 (the API refuses such a
    discount first, see :func:`unpriced_units`).  Mutates `lines` (added units/lines).
    """
    matching = [i for i, line in enumerate(lines) if line.matches(unit_type)]
    # Unit prices are read before any units are added, so added units can't skew them.
    line_prices = {i: lines[i].unit_price() for i in matching}
    known = next((p for p in line_prices.values() if p is not None), None)
    entry = catalogue.get(unit_type) or UnitProduct(None, unit_type)
    price = known if known is not None else entry.price

    if effect == ADD_NEW_ITEMS or not matching:
        index = _add_line(lines, entry, unit_off, price)
        line = lines[index]
        line.applied_discount_quantity += unit_off
        return _positive([(index, line.remaining)])

    # ADD_MISSING_ITEMS with the product already in the order.
    missing = max(0, unit_off - sum(lines[i].quantity for i in matching))
    if missing:
        _add_units(lines[matching[0]], missing, price)
    parts: Parts = {}
    left = unit_off
    for i in matching:
        line = lines[i]
        units = min(left, line.quantity)
        if units <= 0:
            continue
        left -= units
        line.applied_discount_quantity += units
        line_price = line_prices[i]
        if line_price is None:
            line_price = price
        if line_price is not None:
            parts[i] = min(units * line_price, line.remaining)
    return _positive(parts.items())


def unit_grants(discount: DiscountInput) -> list[tuple[str, int]]:
    """``(unit_type, unit_off)`` of every free-unit grant of a UNIT discount (else none)."""
    if discount.type != "UNIT":
        return []
    if discount.effect == ADD_MANY_ITEMS:
        return [(unit.unit_type, unit.unit_off) for unit in discount.units]
    if discount.unit_type is None or discount.unit_off is None:
        return []
    return [(discount.unit_type, discount.unit_off)]


def unpriced_units(
    items: Sequence[OrderItemInput], discount: DiscountInput, catalogue: Mapping[str, UnitProduct]
) -> list[str]:
    """The products `discount` gives away that neither an order line nor `catalogue` prices.

    :func:`free_units` would add those units at no price, so 0 off: the caller refuses the
    discount instead (a use taken for nothing is worse than a clear refusal).
    """
    unpriced: list[str] = []
    for unit_type, unit_off in unit_grants(discount):
        in_order = any(
            (item.price is not None or (item.amount is not None and item.quantity > 0))
            and unit_type in (item.product_id, item.sku_id, item.source_id)
            for item in items
        )
        entry = catalogue.get(unit_type)
        priced = in_order or (entry is not None and entry.price is not None)
        if unit_off > 0 and not priced and unit_type not in unpriced:
            unpriced.append(unit_type)
    return unpriced


def _add_units(line: Line, units: int, price: int | None) -> None:
    """Add `units` units at `price` (0 when unknown) to an existing line."""
    added_amount = units * price if price is not None else 0
    line.quantity += units
    line.amount += added_amount
    line.applied_quantity += units
    line.applied_quantity_amount += added_amount
    line.priced = line.priced or price is not None


def _add_line(lines: list[Line], entry: UnitProduct, units: int, price: int | None) -> int:
    """Append a line of `units` free units of `entry`; returns its index."""
    amount = units * price if price is not None else 0
    lines.append(
        Line(
            quantity=units,
            price=price,
            amount=amount,
            product_id=entry.product_id,
            sku_id=entry.sku_id,
            source_id=None,
            existing_discount=0,
            initial_quantity=0,
            initial_amount=0,
            priced=price is not None,
            applied_quantity=units,
            applied_quantity_amount=amount,
        )
    )
    return len(lines) - 1
