"""Tests for the pure discount calculation (voucherd.discounts.calculation)."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voucherd.discounts.calculation import (
    CalculatedOrder,
    DiscountError,
    DiscountInput,
    OrderInput,
    OrderItemInput,
    UnitChange,
    UnitInput,
    calculate_order,
    discount_value,
)
from voucherd.discounts.items import allocate


def item(price: int | None, quantity: int = 1, **kwargs: Any) -> OrderItemInput:
    return OrderItemInput(
        quantity=quantity, price=price, amount=kwargs.pop("amount", None), **kwargs
    )


def order(*items: OrderItemInput, **kwargs: Any) -> OrderInput:
    return OrderInput(items=items, **kwargs)


def percent(value: str | int, effect: str = "APPLY_TO_ORDER", **kwargs: Any) -> DiscountInput:
    return DiscountInput(type="PERCENT", effect=effect, percent_off=Decimal(value), **kwargs)


def amount(value: int, effect: str = "APPLY_TO_ORDER", **kwargs: Any) -> DiscountInput:
    return DiscountInput(type="AMOUNT", effect=effect, amount_off=value, **kwargs)


def fixed(value: int, effect: str = "APPLY_TO_ORDER", **kwargs: Any) -> DiscountInput:
    return DiscountInput(type="FIXED", effect=effect, fixed_amount=value, **kwargs)


def unit(unit_type: str, unit_off: int, effect: str = "ADD_MISSING_ITEMS") -> DiscountInput:
    return DiscountInput(type="UNIT", effect=effect, unit_off=unit_off, unit_type=unit_type)


def item_discounts(result: CalculatedOrder) -> list[int]:
    return [line.discount_amount for line in result.items]


# --- the seed case -----------------------------------------------------------------------


def test_seed_percent_apply_to_order_with_amount_limit() -> None:
    result = calculate_order(order(item(3500), item(7999)), [percent(10, amount_limit=3000)])
    assert result.amount == 11499
    assert result.discount_amount == 1150
    assert result.items_discount_amount == 0
    assert result.total_discount_amount == 1150
    assert result.total_amount == 10349
    assert result.applied_discount_amount == 1150
    assert result.items_applied_discount_amount == 0
    assert result.total_applied_discount_amount == 1150
    assert result.applied == [1150]


# --- order and item amounts ----------------------------------------------------------------


def test_order_amount_is_sum_of_item_amounts() -> None:
    result = calculate_order(order(item(250, 4), item(1000)), [])
    assert result.amount == 2000
    assert [line.amount for line in result.items] == [1000, 1000]
    assert result.total_amount == 2000
    assert result.applied == []


def test_order_amount_given_without_items_is_used() -> None:
    result = calculate_order(OrderInput(items=(), amount=5000), [amount(700)])
    assert (result.amount, result.discount_amount, result.total_amount) == (5000, 700, 4300)


def test_item_amount_defaults_to_price_times_quantity() -> None:
    assert calculate_order(order(item(333, 3)), []).items[0].amount == 999


def test_given_item_amount_wins_over_price_times_quantity() -> None:
    result = calculate_order(order(item(1000, 2, amount=1500)), [])
    assert result.items[0].amount == 1500
    assert result.amount == 1500


def test_order_amount_mismatching_priced_items_is_rejected() -> None:
    with pytest.raises(DiscountError, match="does not match"):
        calculate_order(order(item(1000), amount=1200), [])


def test_matching_order_amount_is_accepted() -> None:
    assert calculate_order(order(item(1000), amount=1000), []).amount == 1000


def test_unpriced_items_take_the_given_order_amount() -> None:
    result = calculate_order(order(item(1000), item(None), amount=3000), [percent(10)])
    assert result.amount == 3000
    assert result.discount_amount == 300
    with pytest.raises(DiscountError, match="less than"):
        calculate_order(order(item(1000), item(None), amount=500), [])


def test_unpriced_item_gets_no_item_discount() -> None:
    result = calculate_order(order(item(None), amount=1000), [amount(100, "APPLY_TO_ITEMS")])
    assert result.applied == [0]
    assert result.total_amount == 1000


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_item",
    [
        OrderItemInput(quantity=-1, price=100, amount=None),
        OrderItemInput(quantity=1, price=-100, amount=None),
        OrderItemInput(quantity=1, price=100, amount=-100),
        OrderItemInput(quantity=1, price=100, amount=None, discount_amount=-1),
        OrderItemInput(quantity=1, price=100.5, amount=None),  # type: ignore[arg-type]
    ],
)
def test_negative_or_non_integer_item_values_are_rejected(bad_item: OrderItemInput) -> None:
    with pytest.raises(DiscountError, match=r"order\.items\[0\]"):
        calculate_order(order(bad_item), [])


def test_negative_order_amount_is_rejected() -> None:
    with pytest.raises(DiscountError, match=r"order\.amount"):
        calculate_order(OrderInput(items=(), amount=-1), [])


def test_existing_discount_above_amount_is_rejected() -> None:
    with pytest.raises(DiscountError, match="exceeds"):
        calculate_order(order(item(100, discount_amount=101)), [])
    with pytest.raises(DiscountError, match="exceed"):
        calculate_order(order(item(100, discount_amount=50), discount_amount=60), [])


@pytest.mark.parametrize(
    ("discount", "message"),
    [
        (DiscountInput(type="SHIPPING", effect="APPLY_TO_ORDER"), "unknown discount type"),  # type: ignore[arg-type]
        (DiscountInput(type="AMOUNT", effect="EVERYTHING", amount_off=1), "not a valid effect"),
        (percent(10, "APPLY_TO_ITEMS_BY_QUANTITY"), "not a valid effect"),
        (DiscountInput(type="AMOUNT", effect="APPLY_TO_ORDER"), "amount_off is required"),
        (DiscountInput(type="PERCENT", effect="APPLY_TO_ORDER"), "percent_off is required"),
        (DiscountInput(type="FIXED", effect="APPLY_TO_ITEMS"), "fixed_amount is required"),
        (amount(-1), "must not be negative"),
        (percent(-5), "must not be negative"),
        (percent("NaN"), "finite"),
        (percent(10, amount_limit=-1), "amount_limit"),
        (DiscountInput(type="UNIT", effect="ADD_NEW_ITEMS", unit_off=1), "unit_type"),
        (DiscountInput(type="UNIT", effect="ADD_MANY_ITEMS"), "units is required"),
        (
            DiscountInput(
                type="UNIT",
                effect="ADD_MANY_ITEMS",
                units=(UnitInput(unit_off=1, unit_type="p", effect="ADD_MANY_ITEMS"),),
            ),
            r"units\[0\]\.effect",
        ),
        (amount(1, "APPLY_TO_ITEMS", applicable_item_indexes=frozenset({1})), "index"),
    ],
)
def test_invalid_discounts_are_rejected(discount: DiscountInput, message: str) -> None:
    with pytest.raises(DiscountError, match=message):
        calculate_order(order(item(1000)), [discount])


def test_discount_error_is_a_value_error() -> None:
    assert issubclass(DiscountError, ValueError)


# --- AMOUNT ----------------------------------------------------------------------------------


def test_amount_apply_to_order_takes_amount_off() -> None:
    result = calculate_order(order(item(3000)), [amount(1000)])
    assert (result.discount_amount, result.total_amount, result.items_discount_amount) == (
        1000,
        2000,
        0,
    )
    assert item_discounts(result) == [0]


def test_amount_apply_to_order_is_capped_at_remaining_order() -> None:
    # Gift card credits are modelled the same way: never more than what is left to pay.
    result = calculate_order(order(item(800)), [amount(1000)])
    assert result.applied == [800]
    assert result.total_amount == 0


def test_amount_apply_to_items_takes_amount_off_each_line() -> None:
    result = calculate_order(order(item(500, 3), item(2000)), [amount(300, "APPLY_TO_ITEMS")])
    assert item_discounts(result) == [300, 300]
    assert result.items_discount_amount == 600
    assert result.discount_amount == 0
    assert result.total_amount == 3500 - 600
    assert result.applied_items == [{0: 300, 1: 300}]


def test_amount_apply_to_items_is_capped_by_line_amount() -> None:
    result = calculate_order(order(item(200), item(2000)), [amount(300, "APPLY_TO_ITEMS")])
    assert item_discounts(result) == [200, 300]
    assert [line.subtotal_amount for line in result.items] == [0, 1700]


def test_amount_apply_to_items_by_quantity_takes_amount_off_per_unit() -> None:
    result = calculate_order(
        order(item(500, 3), item(150, 2)), [amount(200, "APPLY_TO_ITEMS_BY_QUANTITY")]
    )
    # 3 units * 200 = 600; 2 units * 200 = 400 capped at the line's 300.
    assert item_discounts(result) == [600, 300]


def test_amount_proportionally_splits_by_remaining_amount() -> None:
    result = calculate_order(
        order(item(1000), item(3000)), [amount(400, "APPLY_TO_ITEMS_PROPORTIONALLY")]
    )
    assert item_discounts(result) == [100, 300]
    assert result.applied == [400]


def test_proportional_split_sums_exactly_with_largest_remainder() -> None:
    # 100 over three equal lines: 33.33 each; the spare cent goes to the lowest index.
    result = calculate_order(
        order(item(1000), item(1000), item(1000)),
        [amount(100, "APPLY_TO_ITEMS_PROPORTIONALLY")],
    )
    assert item_discounts(result) == [34, 33, 33]
    assert sum(item_discounts(result)) == 100


def test_proportional_remainder_goes_to_largest_fraction() -> None:
    # Exact shares of 10 over 1:2:4 are 1.43, 2.86, 5.71 -> floors 1+2+5 = 8; the two spare
    # cents go to the largest fractions (0.86 and 0.71).
    result = calculate_order(
        order(item(100), item(200), item(400)), [amount(10, "APPLY_TO_ITEMS_PROPORTIONALLY")]
    )
    assert item_discounts(result) == [1, 3, 6]


def test_proportional_split_is_capped_at_applicable_total() -> None:
    result = calculate_order(
        order(item(100), item(200)), [amount(1000, "APPLY_TO_ITEMS_PROPORTIONALLY")]
    )
    assert item_discounts(result) == [100, 200]
    assert result.applied == [300]


def test_proportionally_by_quantity_splits_by_units() -> None:
    result = calculate_order(
        order(item(1000, 1), item(1000, 3)),
        [amount(400, "APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY")],
    )
    assert item_discounts(result) == [100, 300]


def test_proportionally_by_quantity_moves_surplus_off_exhausted_lines() -> None:
    # By quantity the cheap line would get 300, but it only has 50; the rest goes elsewhere.
    result = calculate_order(
        order(item(50, 1), item(1000, 1)),
        [amount(600, "APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY")],
    )
    assert item_discounts(result) == [50, 550]
    assert result.applied == [600]


# --- PERCENT ---------------------------------------------------------------------------------


def test_percent_apply_to_order_rounds_half_up() -> None:
    # 12.5 % of 999 = 124.875 -> 125.
    assert discount_value(order(item(999)), percent("12.5")) == 125


def test_percent_apply_to_order_is_capped_by_amount_limit() -> None:
    assert discount_value(order(item(10000)), percent(50, amount_limit=1234)) == 1234


def test_percent_apply_to_order_over_100_is_capped_at_remaining() -> None:
    assert discount_value(order(item(10000)), percent(150)) == 10000


def test_percent_apply_to_items_takes_percent_of_each_line() -> None:
    result = calculate_order(order(item(1005), item(2000)), [percent(10, "APPLY_TO_ITEMS")])
    assert item_discounts(result) == [101, 200]  # 100.5 rounds half up
    assert result.discount_amount == 0
    assert result.items_applied_discount_amount == 301


def test_percent_apply_to_items_amount_limit_reduces_lines_proportionally() -> None:
    # Uncapped parts 100 and 300 (sum 400) cut to the 200 limit in the same 1:3 ratio.
    result = calculate_order(
        order(item(1000), item(3000)), [percent(10, "APPLY_TO_ITEMS", amount_limit=200)]
    )
    assert item_discounts(result) == [50, 150]
    assert result.applied == [200]


# --- FIXED -----------------------------------------------------------------------------------


def test_fixed_apply_to_order_sets_the_new_order_total() -> None:
    result = calculate_order(order(item(3000), item(2000)), [fixed(4200)])
    assert result.discount_amount == 800
    assert result.total_amount == 4200


def test_fixed_apply_to_order_above_the_total_is_no_discount() -> None:
    assert discount_value(order(item(3000)), fixed(5000)) == 0


def test_fixed_apply_to_items_sets_the_new_unit_price() -> None:
    result = calculate_order(order(item(1500, 2), item(900, 3)), [fixed(1000, "APPLY_TO_ITEMS")])
    # (1500 - 1000) * 2 = 1000; 900 is already under the fixed price: no discount.
    assert item_discounts(result) == [1000, 0]
    assert [line.subtotal_amount for line in result.items] == [2000, 2700]


# --- applicability, stacking and existing discounts -------------------------------------------


def test_applicable_item_indexes_limit_item_level_discounts() -> None:
    result = calculate_order(
        order(item(1000), item(1000), item(1000)),
        [percent(10, "APPLY_TO_ITEMS", applicable_item_indexes=frozenset({0, 2}))],
    )
    assert item_discounts(result) == [100, 0, 100]


def test_applicable_item_indexes_do_not_affect_order_level_discounts() -> None:
    result = calculate_order(
        order(item(1000), item(1000)), [percent(10, applicable_item_indexes=frozenset({0}))]
    )
    assert result.discount_amount == 200


def test_stacked_discounts_apply_in_order_on_what_is_left() -> None:
    base = order(item(10000))
    amount_then_percent = calculate_order(base, [amount(2000), percent(50)])
    percent_then_amount = calculate_order(base, [percent(50), amount(2000)])
    assert amount_then_percent.applied == [2000, 4000]
    assert percent_then_amount.applied == [5000, 2000]
    assert amount_then_percent.total_amount == 4000
    assert percent_then_amount.total_amount == 3000


def test_stacked_item_discounts_see_the_line_remaining() -> None:
    result = calculate_order(
        order(item(1000)), [amount(200, "APPLY_TO_ITEMS"), percent(50, "APPLY_TO_ITEMS")]
    )
    assert result.applied == [200, 400]
    assert result.items[0].subtotal_amount == 400


def test_item_discount_is_capped_by_what_order_level_discounts_left() -> None:
    # The order-level 900 leaves 100 of the order; the item discount may only take that,
    # split over the lines in proportion to what it wanted from each (300:100).
    result = calculate_order(
        order(item(500), item(500)), [amount(900), amount(300, "APPLY_TO_ITEMS")]
    )
    assert result.applied == [900, 100]
    assert result.applied_items[1] == {0: 50, 1: 50}
    assert result.total_amount == 0


def test_existing_discounts_are_added_to_and_applied_twins_count_only_new() -> None:
    result = calculate_order(
        order(item(1000, discount_amount=100), item(2000), discount_amount=300),
        [amount(100, "APPLY_TO_ITEMS"), amount(500)],
    )
    assert item_discounts(result) == [200, 100]
    assert [line.applied_discount_amount for line in result.items] == [100, 100]
    assert result.discount_amount == 800
    assert result.applied_discount_amount == 500
    assert result.items_discount_amount == 300
    assert result.items_applied_discount_amount == 200
    assert result.total_discount_amount == 1100
    assert result.total_applied_discount_amount == 700
    assert result.total_amount == 3000 - 1100


def test_existing_discounts_reduce_what_new_discounts_can_take() -> None:
    result = calculate_order(order(item(1000), discount_amount=900), [amount(500)])
    assert result.applied == [100]
    assert result.total_amount == 0


def test_no_discounts_leave_the_order_untouched() -> None:
    result = calculate_order(order(item(1234, 2)), [])
    assert result.total_discount_amount == 0
    assert result.total_amount == 2468
    assert result.items[0].subtotal_amount == 2468


# --- UNIT (free items) ------------------------------------------------------------------------


def test_unit_add_new_items_adds_a_fully_discounted_line() -> None:
    result = calculate_order(
        order(item(1000, product_id="p1")), [unit("p2", 2, "ADD_NEW_ITEMS")], {"p2": 300}
    )
    added = result.items[1]
    assert (added.product_id, added.quantity, added.price, added.amount) == ("p2", 2, 300, 600)
    assert (added.discount_amount, added.subtotal_amount) == (600, 0)
    assert (added.applied_quantity, added.discount_quantity) == (2, 2)
    assert (added.initial_quantity, added.initial_amount) == (0, 0)
    assert result.initial_amount == 1000
    assert result.amount == 1600
    assert result.items_discount_amount == 600
    assert result.total_amount == 1000


def test_unit_add_new_items_uses_the_order_line_price_even_if_present() -> None:
    result = calculate_order(
        order(item(800, 1, product_id="p1")), [unit("p1", 1, "ADD_NEW_ITEMS")], {"p1": 5}
    )
    assert len(result.items) == 2
    assert result.items[1].price == 800
    assert result.applied == [800]
    assert result.items[0].discount_amount == 0


def test_unit_add_missing_items_adds_absent_product() -> None:
    result = calculate_order(order(item(1000)), [unit("p9", 2)], {"p9": 250})
    assert result.items[1].quantity == 2
    assert result.applied == [500]
    assert result.total_amount == 1000


def test_unit_add_missing_items_tops_up_the_existing_line() -> None:
    # One unit in the cart, two free: add the missing one and discount both at the line price,
    # so the unit the customer already had becomes free too.
    result = calculate_order(order(item(400, 1, product_id="p1")), [unit("p1", 2)])
    line = result.items[0]
    assert len(result.items) == 1
    assert (line.quantity, line.amount, line.initial_quantity, line.initial_amount) == (
        2,
        800,
        1,
        400,
    )
    assert (line.applied_quantity, line.applied_quantity_amount, line.discount_quantity) == (
        1,
        400,
        2,
    )
    assert line.discount_amount == 800
    assert result.amount == 800
    assert result.total_amount == 0


def test_unit_changes_name_what_each_discount_did_to_the_units() -> None:
    # A rollback gives back exactly this: the topped-up unit, the added line, and the units
    # each discount made free; a discount that adds no unit records nothing.
    result = calculate_order(
        order(item(400, 1, product_id="p1")),
        [amount(100), unit("p1", 2), unit("p9", 3, "ADD_NEW_ITEMS")],
        {"p9": 250},
    )
    assert result.unit_changes == [
        {},
        {0: UnitChange(added_quantity=1, added_amount=400, freed_quantity=2)},
        {1: UnitChange(added_quantity=3, added_amount=750, freed_quantity=3)},
    ]
    added = sum(c.added_amount for changes in result.unit_changes for c in changes.values())
    assert result.amount == 400 + added


def test_unit_add_missing_items_adds_nothing_when_enough_units_present() -> None:
    result = calculate_order(order(item(400, 5, sku_id="sku_1")), [unit("sku_1", 2)])
    line = result.items[0]
    assert (line.quantity, line.applied_quantity, line.discount_quantity) == (5, None, 2)
    assert result.applied == [800]
    assert result.amount == 2000


def test_unit_without_a_known_price_discounts_nothing() -> None:
    result = calculate_order(order(item(1000)), [unit("p9", 1, "ADD_NEW_ITEMS")])
    assert result.items[1].quantity == 1
    assert result.items[1].price is None
    assert result.applied == [0]
    assert result.amount == 1000


def test_unit_add_many_items_applies_each_unit() -> None:
    discount = DiscountInput(
        type="UNIT",
        effect="ADD_MANY_ITEMS",
        units=(
            UnitInput(unit_off=1, unit_type="p1", effect="ADD_MISSING_ITEMS"),
            UnitInput(unit_off=2, unit_type="p2", effect="ADD_NEW_ITEMS"),
        ),
    )
    result = calculate_order(order(item(700, product_id="p1")), [discount], {"p1": 1, "p2": 150})
    # p1 is already in the cart, so its one free unit is that unit; p2 comes as a new line.
    assert result.applied == [700 + 300]
    assert result.applied_items == [{0: 700, 1: 300}]
    assert result.total_amount == 0


def test_unit_add_many_items_grants_of_one_product_do_not_double_discount() -> None:
    discount = DiscountInput(
        type="UNIT",
        effect="ADD_MANY_ITEMS",
        units=(
            UnitInput(unit_off=1, unit_type="p1", effect="ADD_NEW_ITEMS"),
            UnitInput(unit_off=1, unit_type="p1", effect="ADD_MISSING_ITEMS"),
        ),
    )
    # The first grant adds a free line; the second finds p1 present and free already.
    result = calculate_order(order(item(500)), [discount], {"p1": 100})
    assert result.applied == [100]
    assert [line.subtotal_amount for line in result.items] == [500, 0]


def test_discount_value_is_what_one_discount_takes() -> None:
    assert discount_value(order(item(3500), item(7999)), percent(10, amount_limit=3000)) == 1150


# --- allocation ------------------------------------------------------------------------------


@given(
    total=st.integers(0, 10**7),
    weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=8),
)
def test_allocate_parts_sum_exactly_and_respect_caps(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights, weights)
    assert sum(parts) == min(total, sum(weights))
    assert all(0 <= part <= weight for part, weight in zip(parts, weights, strict=True))


# --- properties ------------------------------------------------------------------------------

PRODUCTS = ("p1", "p2", "p3")
ITEM_EFFECTS = {
    "AMOUNT": [
        "APPLY_TO_ORDER",
        "APPLY_TO_ITEMS",
        "APPLY_TO_ITEMS_PROPORTIONALLY",
        "APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY",
        "APPLY_TO_ITEMS_BY_QUANTITY",
    ],
    "PERCENT": ["APPLY_TO_ORDER", "APPLY_TO_ITEMS"],
    "FIXED": ["APPLY_TO_ORDER", "APPLY_TO_ITEMS"],
    "UNIT": ["ADD_MISSING_ITEMS", "ADD_NEW_ITEMS", "ADD_MANY_ITEMS"],
}


@st.composite
def order_items(draw: st.DrawFn) -> OrderItemInput:
    quantity = draw(st.integers(0, 6))
    price = draw(st.integers(0, 20_000))
    given_amount = draw(st.none() | st.integers(0, 100_000))
    line_amount = given_amount if given_amount is not None else price * quantity
    return OrderItemInput(
        quantity=quantity,
        price=price,
        amount=given_amount,
        product_id=draw(st.none() | st.sampled_from(PRODUCTS)),
        discount_amount=draw(st.integers(0, line_amount)),
    )


@st.composite
def orders(draw: st.DrawFn) -> OrderInput:
    items = tuple(draw(st.lists(order_items(), max_size=5)))
    if items:
        return OrderInput(items=items)
    total = draw(st.integers(0, 100_000))
    return OrderInput(items=(), amount=total, discount_amount=draw(st.integers(0, total)))


@st.composite
def discounts(draw: st.DrawFn, item_count: int) -> DiscountInput:
    kind = draw(st.sampled_from(sorted(ITEM_EFFECTS)))
    effect = draw(st.sampled_from(ITEM_EFFECTS[kind]))
    indexes = (
        draw(st.none() | st.frozensets(st.integers(0, item_count - 1))) if item_count else None
    )
    cents = st.integers(0, 50_000)
    if kind == "AMOUNT":
        return DiscountInput(
            type="AMOUNT", effect=effect, amount_off=draw(cents), applicable_item_indexes=indexes
        )
    if kind == "PERCENT":
        return DiscountInput(
            type="PERCENT",
            effect=effect,
            percent_off=draw(st.decimals(0, 100, places=2)),
            amount_limit=draw(st.none() | cents),
            applicable_item_indexes=indexes,
        )
    if kind == "FIXED":
        return DiscountInput(
            type="FIXED", effect=effect, fixed_amount=draw(cents), applicable_item_indexes=indexes
        )
    units = st.builds(
        UnitInput,
        unit_off=st.integers(0, 4),
        unit_type=st.sampled_from(PRODUCTS),
        effect=st.sampled_from(["ADD_MISSING_ITEMS", "ADD_NEW_ITEMS"]),
    )
    if effect == "ADD_MANY_ITEMS":
        return DiscountInput(
            type="UNIT", effect=effect, units=tuple(draw(st.lists(units, min_size=1, max_size=3)))
        )
    return DiscountInput(
        type="UNIT",
        effect=effect,
        unit_off=draw(st.integers(0, 4)),
        unit_type=draw(st.sampled_from(PRODUCTS)),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[OrderInput, list[DiscountInput], dict[str, int]]:
    the_order = draw(orders())
    stack = draw(st.lists(discounts(len(the_order.items)), max_size=5))
    prices = draw(st.dictionaries(st.sampled_from(PRODUCTS), st.integers(0, 10_000)))
    return the_order, stack, prices


def assert_all_ints(obj: object) -> None:
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, int | float | Decimal):
            assert type(value) is int, f"{f.name} is {type(value).__name__}"


@settings(max_examples=400)
@given(scenarios())
def test_property_totals_are_consistent_and_never_negative(
    scenario: tuple[OrderInput, list[DiscountInput], dict[str, int]],
) -> None:
    the_order, stack, prices = scenario
    result = calculate_order(the_order, stack, prices)

    assert 0 <= result.total_discount_amount <= result.amount
    assert result.total_amount == result.amount - result.total_discount_amount
    assert result.total_discount_amount == result.discount_amount + result.items_discount_amount
    assert result.items_discount_amount == sum(line.discount_amount for line in result.items)
    assert result.total_applied_discount_amount == sum(result.applied)
    assert result.total_applied_discount_amount == (
        result.applied_discount_amount + result.items_applied_discount_amount
    )
    assert result.discount_amount == the_order.discount_amount + result.applied_discount_amount
    if result.items:
        assert result.amount >= sum(line.amount for line in result.items)
    for line in result.items:
        assert line.subtotal_amount >= 0
        assert line.subtotal_amount == line.amount - line.discount_amount
        assert_all_ints(line)
    assert_all_ints(result)
    assert all(type(cents) is int and cents >= 0 for cents in result.applied)
    assert all(
        type(cents) is int and cents > 0
        for parts in result.applied_items
        for cents in parts.values()
    )
    # Item-level breakdowns add up to each discount's take and to the item totals.
    for discount, taken, parts in zip(stack, result.applied, result.applied_items, strict=True):
        if discount.effect != "APPLY_TO_ORDER":
            assert taken == sum(parts.values())
    assert result.items_applied_discount_amount == sum(
        sum(parts.values()) for parts in result.applied_items
    )


@given(orders(), st.integers(0, 100_000), st.booleans(), st.data())
def test_property_proportional_parts_sum_to_the_applied_amount(
    the_order: OrderInput, amount_off: int, by_quantity: bool, data: st.DataObject
) -> None:
    count = len(the_order.items)
    indexes = data.draw(st.none() | st.frozensets(st.integers(0, count - 1))) if count else None
    effect = (
        "APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY"
        if by_quantity
        else "APPLY_TO_ITEMS_PROPORTIONALLY"
    )
    result = calculate_order(
        the_order, [amount(amount_off, effect, applicable_item_indexes=indexes)]
    )
    parts = result.applied_items[0]
    assert sum(parts.values()) == result.applied[0] <= amount_off
    targets = range(count) if indexes is None else indexes
    room = sum(result.items[i].amount - the_order.items[i].discount_amount for i in targets)
    if not by_quantity:
        # By amount, the whole amount_off is placed unless the applicable lines run out.
        assert result.applied[0] == min(amount_off, room)
    assert set(parts) <= set(targets)
