"""How many points a rule gives (pure): FIXED, PROPORTIONAL, formulas, tier mappings."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from voucherd.earning.points import EarningFacts, Grant, compute, number

ORDER: dict[str, Any] = {
    "amount": 2499,
    "total_amount": 1999,
    "metadata": {"visits": 5, "note": "hello", "text_number": "7.9"},
    "items": [
        {"product_id": "prod_a", "quantity": 2, "amount": 1000, "subtotal_amount": 800},
        {"product_id": "prod_b", "sku_id": "sku_b1", "quantity": 1, "price": 1499},
    ],
}
FACTS = EarningFacts(order=ORDER, customer_metadata={"age": 41}, event_metadata={"n": 3})


def proportional(calculation_type: str, group: str, key: str, **step: Any) -> dict[str, Any]:
    return {"type": "PROPORTIONAL", "calculation_type": calculation_type, group: {key: step}}


def test_fixed_gives_its_points() -> None:
    assert compute({"type": "FIXED", "points": 7}, FACTS).points == 7


def test_proportional_gives_whole_steps_only() -> None:
    amount = proportional("ORDER_AMOUNT", "order", "amount", every=1000, points=3)
    assert compute(amount, FACTS) == Grant(2, 3)
    total = proportional("ORDER_TOTAL_AMOUNT", "order", "total_amount", every=1000, points=3)
    assert compute(total, FACTS).points == 3


def test_metadata_steps_read_numbers_and_numeric_text() -> None:
    order_meta = proportional(
        "ORDER_METADATA", "order", "metadata", every=2, points=1, property="visits"
    )
    assert compute(order_meta, FACTS).points == 2
    text = proportional(
        "ORDER_METADATA", "order", "metadata", every=1, points=1, property="text_number"
    )
    assert compute(text, FACTS).points == 7
    words = proportional("ORDER_METADATA", "order", "metadata", every=1, points=1, property="note")
    assert compute(words, FACTS).points == 0
    customer = proportional(
        "CUSTOMER_METADATA", "customer", "metadata", every=10, points=1, property="age"
    )
    assert compute(customer, FACTS).points == 4
    event = proportional(
        "CUSTOM_EVENT_METADATA", "custom_event", "metadata", every=1, points=2, property="n"
    )
    assert compute(event, FACTS).points == 6


def test_order_items_count_the_named_products_and_skus() -> None:
    quantity = proportional(
        "ORDER_ITEMS_QUANTITY",
        "order_items",
        "quantity",
        every=1,
        points=1,
        object="product",
        id="prod_a",
    )
    assert compute(quantity, FACTS).points == 2
    amount = proportional(
        "ORDER_ITEMS_AMOUNT",
        "order_items",
        "amount",
        every=500,
        points=1,
        object="sku",
        id="sku_b1",
    )
    assert compute(amount, FACTS).points == 2  # 1499 from price x quantity
    subtotal = proportional(
        "ORDER_ITEMS_SUBTOTAL_AMOUNT",
        "order_items",
        "subtotal_amount",
        every=100,
        points=1,
        applicable_to=[
            {"object": "product", "id": "prod_a"},
            {"object": "product", "id": "prod_b"},
        ],
    )
    assert compute(subtotal, FACTS).points == 8 + 14


def test_formulas_see_major_units_and_fall_back_to_static_points() -> None:
    assert compute({"points": 1, "points_formula": "ORDER_AMOUNT"}, FACTS).points == 24
    assert compute({"points": 1, "points_formula": "ORDER_TOTAL_AMOUNT / 2"}, FACTS).points == 9
    assert (
        compute({"points": 4, "points_formula": 'ORDER_METADATA("missing") * 2'}, FACTS).points == 4
    )
    assert compute({"points": 4, "points_formula": "0 - 10"}, FACTS).points == 0
    step = proportional(
        "ORDER_AMOUNT", "order", "amount", every=1000, points=1, points_formula="2 + 1"
    )
    assert compute(step, FACTS) == Grant(2, 3)


def test_tier_mapping_multiplies_or_replaces_the_points_per_step() -> None:
    fixed = {"type": "FIXED", "points": 10}
    assert (
        compute(fixed, FACTS, {"type": "MULTIPLY", "multiplier": 1.25}).points == 13
    )  # 12.5 half up
    assert compute(fixed, FACTS, {"type": "CUSTOM", "points": 3}).points == 3
    amount = proportional("ORDER_AMOUNT", "order", "amount", every=1000, points=3)
    assert compute(amount, FACTS, {"type": "MULTIPLY", "multiplier": 2}).points == 12
    assert compute(amount, FACTS, {"type": "CUSTOM", "points": 5}).points == 10


def test_no_order_gives_no_proportional_points() -> None:
    amount = proportional("ORDER_AMOUNT", "order", "amount", every=1, points=1)
    assert compute(amount, EarningFacts()).points == 0


def test_number_refuses_booleans_and_words() -> None:
    assert number(True) is None and number("12abc") is None and number(None) is None
    assert number(3) == 3 and number(" 4.5 ") is not None


@given(
    amount=st.integers(min_value=0, max_value=10**9),
    every=st.integers(min_value=1, max_value=10**6),
    points=st.integers(min_value=0, max_value=1000),
)
def test_proportional_is_floor_of_steps_times_points(amount: int, every: int, points: int) -> None:
    rule = proportional("ORDER_AMOUNT", "order", "amount", every=every, points=points)
    grant = compute(rule, EarningFacts(order={"amount": amount}))
    assert grant.steps == amount // every
    assert grant.points == min((amount // every) * points, 1_000_000_000)
