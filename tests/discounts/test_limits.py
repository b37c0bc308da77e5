"""Discount limits: `aggregated_amount_limit` caps what one discount takes from an order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from voucherd.discounts.calculation import (
    DiscountInput,
    OrderInput,
    OrderItemInput,
    calculate_order,
)

ITEM_EFFECTS = [
    ("AMOUNT", "APPLY_TO_ITEMS"),
    ("AMOUNT", "APPLY_TO_ITEMS_BY_QUANTITY"),
    ("AMOUNT", "APPLY_TO_ITEMS_PROPORTIONALLY"),
    ("AMOUNT", "APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY"),
    ("PERCENT", "APPLY_TO_ITEMS"),
]


def _items(*prices: int) -> OrderInput:
    return OrderInput(items=tuple(OrderItemInput(quantity=1, price=p, amount=None) for p in prices))


def test_amount_off_each_item_is_capped_per_order_and_split_evenly() -> None:
    # The case: 1000 off each of two items, at most 500 per order.
    discount = DiscountInput(
        type="AMOUNT", effect="APPLY_TO_ITEMS", amount_off=1000, aggregated_amount_limit=500
    )
    result = calculate_order(_items(3500, 7999), [discount])
    assert result.applied == [500]
    assert [line.discount_amount for line in result.items] == [250, 250]
    assert result.total_amount == 3500 + 7999 - 500


def test_an_odd_cent_goes_to_the_lowest_line_on_a_tie() -> None:
    discount = DiscountInput(
        type="AMOUNT", effect="APPLY_TO_ITEMS", amount_off=1000, aggregated_amount_limit=501
    )
    result = calculate_order(_items(2000, 2000), [discount])
    assert [line.discount_amount for line in result.items] == [251, 250]


def test_the_cap_is_split_in_proportion_to_what_each_line_would_get() -> None:
    discount = DiscountInput(
        type="PERCENT",
        effect="APPLY_TO_ITEMS",
        percent_off=Decimal(50),
        aggregated_amount_limit=300,
    )
    result = calculate_order(_items(1000, 200), [discount])  # uncapped: 500 and 100
    assert [line.discount_amount for line in result.items] == [250, 50]


def test_a_limit_above_the_discount_changes_nothing() -> None:
    discount = DiscountInput(
        type="AMOUNT", effect="APPLY_TO_ITEMS", amount_off=100, aggregated_amount_limit=10_000
    )
    assert calculate_order(_items(3500, 7999), [discount]).applied == [200]


def test_order_level_discounts_are_capped_too() -> None:
    amount = DiscountInput(
        type="AMOUNT", effect="APPLY_TO_ORDER", amount_off=1000, aggregated_amount_limit=400
    )
    percent = DiscountInput(
        type="PERCENT",
        effect="APPLY_TO_ORDER",
        percent_off=Decimal(50),
        aggregated_amount_limit=700,
    )
    assert calculate_order(_items(5000), [amount]).applied == [400]
    assert calculate_order(_items(5000), [percent]).applied == [700]


@st.composite
def capped_cases(draw: st.DrawFn) -> tuple[OrderInput, DiscountInput, int]:
    items = tuple(
        OrderItemInput(
            quantity=draw(st.integers(1, 5)),
            price=draw(st.integers(0, 20_000)),
            amount=None,
            discount_amount=0,
        )
        for _ in range(draw(st.integers(1, 6)))
    )
    kind, effect = draw(st.sampled_from(ITEM_EFFECTS))
    fields: dict[str, Any] = {"type": kind, "effect": effect}
    if kind == "AMOUNT":
        fields["amount_off"] = draw(st.integers(0, 50_000))
    else:
        fields["percent_off"] = draw(st.decimals(0, 100, places=2))
    count = len(items)
    fields["applicable_item_indexes"] = draw(st.none() | st.frozensets(st.integers(0, count - 1)))
    return OrderInput(items=items), DiscountInput(**fields), draw(st.integers(0, 60_000))


@settings(max_examples=300)
@given(capped_cases())
def test_property_item_discounts_sum_to_the_capped_total(
    case: tuple[OrderInput, DiscountInput, int],
) -> None:
    order, uncapped_discount, limit = case
    capped_discount = DiscountInput(
        **{**uncapped_discount.__dict__, "aggregated_amount_limit": limit}
    )
    uncapped = calculate_order(order, [uncapped_discount])
    capped = calculate_order(order, [capped_discount])

    assert capped.applied[0] == min(uncapped.applied[0], limit)
    assert sum(capped.applied_items[0].values()) == capped.applied[0]
    for index, line in enumerate(capped.items):
        part = capped.applied_items[0].get(index, 0)
        assert 0 <= part <= uncapped.applied_items[0].get(index, 0)
        assert line.discount_amount <= line.amount  # never above the item's price
    assert capped.total_amount == capped.amount - capped.applied[0] >= 0
    assert calculate_order(order, [capped_discount]) == capped  # deterministic


# --- over HTTP ----------------------------------------------------------------------------


async def test_aggregated_amount_limit_caps_a_redemption(client: httpx.AsyncClient) -> None:
    voucher = await client.post(
        "/v1/vouchers",
        json={
            "type": "DISCOUNT_VOUCHER",
            "discount": {
                "type": "AMOUNT",
                "amount_off": 1000,
                "effect": "APPLY_TO_ITEMS",
                "aggregated_amount_limit": 500,
            },
        },
    )
    assert voucher.status_code == 200, voucher.text
    code = voucher.json()["code"]
    assert voucher.json()["discount"]["aggregated_amount_limit"] == 500
    items = [{"product_id": None, "quantity": 1, "price": p} for p in (3500, 7999)]
    resp = await client.post(
        "/v1/redemptions",
        json={"redeemables": [{"object": "voucher", "id": code}], "order": {"items": items}},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["redemptions"][0]["amount"] == 500
    order = (await client.get(f"/v1/orders/{body['order']['id']}")).json()
    assert [i["discount_amount"] for i in order["items"]] == [250, 250]
    assert (order["items_discount_amount"], order["total_amount"]) == (500, 10999)


async def test_a_limit_the_discount_type_does_not_apply_is_refused(
    client: httpx.AsyncClient,
) -> None:
    cases = [
        ({"type": "AMOUNT", "amount_off": 100, "amount_limit": 50}, "amount_limit"),
        ({"type": "FIXED", "fixed_amount": 100, "aggregated_amount_limit": 50}, "aggregated"),
        (
            {"type": "UNIT", "unit_off": 1, "unit_type": "prod_x", "aggregated_amount_limit": 5},
            "aggregated_amount_limit",
        ),
    ]
    for discount, field in cases:
        resp = await client.post(
            "/v1/vouchers", json={"type": "DISCOUNT_VOUCHER", "discount": discount}
        )
        assert resp.status_code == 400, resp.text
        assert field in resp.text
    assert (await client.get("/v1/vouchers")).json()["total"] == 0
