"""Free items (UNIT discounts) over HTTP: priced from the catalogue, added to the stored order."""

from __future__ import annotations

from typing import Any

import httpx

ORDER_ITEMS: list[dict[str, Any]] = [
    {"source_id": "unit-shirt", "related_object": "product", "quantity": 2, "price": 1000},
]


async def _product(client: httpx.AsyncClient, source_id: str, price: int | None) -> str:
    body: dict[str, Any] = {"source_id": source_id, "name": source_id}
    if price is not None:
        body["price"] = price
    resp = await client.post("/v1/products", json=body)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


async def _sku(client: httpx.AsyncClient, product_id: str, source_id: str, price: int) -> str:
    resp = await client.post(
        f"/v1/products/{product_id}/skus",
        json={"source_id": source_id, "sku": source_id, "price": price},
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


async def _voucher(client: httpx.AsyncClient, discount: dict[str, Any]) -> str:
    resp = await client.post(
        "/v1/vouchers",
        json={"type": "DISCOUNT_VOUCHER", "discount": discount, "redemption": {"quantity": 1}},
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


def _body(code: str, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "redeemables": [{"object": "voucher", "id": code}],
        "order": {"items": ORDER_ITEMS if items is None else items},
    }


async def _redeem(client: httpx.AsyncClient, code: str, **kwargs: Any) -> dict[str, Any]:
    resp = await client.post("/v1/redemptions", json=_body(code, **kwargs))
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


async def _stored_order(client: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    resp = await client.get(f"/v1/orders/{order_id}")
    assert resp.status_code == 200, resp.text
    order = dict(resp.json())
    # The invariant the defect broke: a stored order's items add up to its amount, and its
    # discounts to what the redemption took.
    assert sum(item["amount"] for item in order["items"]) == order["amount"]
    assert (
        sum(item.get("discount_amount", 0) for item in order["items"])
        == (order["items_discount_amount"])
    )
    return order


async def _redeemed_quantity(client: httpx.AsyncClient, code: str) -> int:
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    return int(voucher["redemption"]["redeemed_quantity"])


async def test_add_new_items_prices_an_absent_product_from_the_catalogue(
    client: httpx.AsyncClient,
) -> None:
    mug = await _product(client, "unit-mug", 300)
    code = await _voucher(
        client, {"type": "UNIT", "unit_off": 2, "unit_type": mug, "effect": "ADD_NEW_ITEMS"}
    )

    validation = (await client.post("/v1/validations", json=_body(code))).json()
    assert validation["valid"] is True
    assert validation["order"]["amount"] == 2600
    assert validation["order"]["total_amount"] == 2000
    added = validation["order"]["items"][1]
    assert (added["product_id"], added["quantity"], added["price"], added["amount"]) == (
        mug,
        2,
        300,
        600,
    )

    body = await _redeem(client, code)
    assert body["redemptions"][0]["amount"] == 600
    assert (body["order"]["amount"], body["order"]["total_amount"]) == (2600, 2000)
    order = await _stored_order(client, body["order"]["id"])
    assert order["amount"] == 2600
    assert order["initial_amount"] == 2000
    assert order["items_discount_amount"] == 600
    assert order["total_amount"] == 2000
    added = order["items"][1]
    # Voucherify's shape for an added free line (redemption examples of its OpenAPI spec).
    assert {k: added.get(k) for k in ("product_id", "quantity", "price", "amount")} == {
        "product_id": mug,
        "quantity": 2,
        "price": 300,
        "amount": 600,
    }
    assert (added["discount_quantity"], added["initial_quantity"], added["initial_amount"]) == (
        2,
        0,
        0,
    )
    assert (added["discount_amount"], added["applied_discount_amount"]) == (600, 600)
    assert added["subtotal_amount"] == 0
    assert added["product"]["id"] == mug and added["product"]["price"] == 300


async def test_add_missing_items_adds_an_absent_product(client: httpx.AsyncClient) -> None:
    cap = await _product(client, "unit-cap", 450)
    code = await _voucher(client, {"type": "UNIT", "unit_off": 1, "unit_type": cap})

    body = await _redeem(client, code)
    assert body["redemptions"][0]["amount"] == 450
    order = await _stored_order(client, body["order"]["id"])
    assert [item["product_id"] for item in order["items"]][1] == cap
    assert (order["amount"], order["total_amount"]) == (2450, 2000)


async def test_add_missing_items_tops_up_a_line_of_the_order(client: httpx.AsyncClient) -> None:
    shirt = await _product(client, "unit-shirt", 1000)
    code = await _voucher(client, {"type": "UNIT", "unit_off": 3, "unit_type": shirt})

    body = await _redeem(client, code)
    # Two shirts in the cart, three free: one is added and all three are discounted.
    assert body["redemptions"][0]["amount"] == 3000
    order = await _stored_order(client, body["order"]["id"])
    assert len(order["items"]) == 1
    line = order["items"][0]
    assert (line["quantity"], line["amount"], line["discount_amount"]) == (3, 3000, 3000)
    assert (line["initial_quantity"], line["initial_amount"], line["discount_quantity"]) == (
        2,
        2000,
        3,
    )
    assert (order["amount"], order["total_amount"]) == (3000, 0)


async def test_a_free_sku_is_priced_at_the_sku_price(client: httpx.AsyncClient) -> None:
    phone = await _product(client, "unit-phone", 2200)
    big = await _sku(client, phone, "unit-phone-256", 2100)
    code = await _voucher(
        client, {"type": "UNIT", "unit_off": 1, "unit_type": big, "effect": "ADD_NEW_ITEMS"}
    )

    body = await _redeem(client, code)
    assert body["redemptions"][0]["amount"] == 2100
    order = await _stored_order(client, body["order"]["id"])
    added = order["items"][1]
    assert (added["product_id"], added["sku_id"], added["price"]) == (phone, big, 2100)
    assert (added["product"]["id"], added["sku"]["id"]) == (phone, big)
    assert (order["amount"], order["total_amount"]) == (4100, 2000)


async def test_add_many_items_adds_each_grant(client: httpx.AsyncClient) -> None:
    shirt = await _product(client, "unit-shirt", 1000)
    sock = await _product(client, "unit-sock", 150)
    code = await _voucher(
        client,
        {
            "type": "UNIT",
            "effect": "ADD_MANY_ITEMS",
            "units": [
                {"unit_off": 1, "unit_type": shirt, "effect": "ADD_MISSING_ITEMS"},
                {"unit_off": 2, "unit_type": sock, "effect": "ADD_NEW_ITEMS"},
            ],
        },
    )

    body = await _redeem(client, code)
    assert body["redemptions"][0]["amount"] == 1000 + 300
    order = await _stored_order(client, body["order"]["id"])
    assert [(i["product_id"], i["quantity"]) for i in order["items"]] == [(shirt, 2), (sock, 2)]
    assert (order["amount"], order["total_amount"]) == (2300, 1000)


async def test_a_free_item_without_a_price_is_refused_and_keeps_the_use(
    client: httpx.AsyncClient,
) -> None:
    # Voucherify prices free items from the product inventory; an item priced nowhere would
    # give 0 off and still use the code up, so the redeemable is refused as invalid_order.
    priceless = await _product(client, "unit-priceless", None)
    code = await _voucher(
        client, {"type": "UNIT", "unit_off": 1, "unit_type": priceless, "effect": "ADD_NEW_ITEMS"}
    )

    validation = (await client.post("/v1/validations", json=_body(code))).json()
    assert validation["valid"] is False
    error = validation["inapplicable_redeemables"][0]["result"]["error"]
    assert error["key"] == "invalid_order" and priceless in error["details"]

    resp = await client.post("/v1/redemptions", json=_body(code))
    assert resp.status_code == 400, resp.text
    assert resp.json()["key"] == "invalid_order"
    assert await _redeemed_quantity(client, code) == 0
    failed = (await client.get("/v1/redemptions", params={"result": "FAILURE"})).json()
    assert [r["failure_code"] for r in failed["redemptions"]] == ["invalid_order"]

    # The order can price it itself: a line of the product with its price.
    items = [*ORDER_ITEMS, {"product_id": priceless, "quantity": 1, "price": 80}]
    body = await _redeem(client, code, items=items)
    assert body["redemptions"][0]["amount"] == 80
    await _stored_order(client, body["order"]["id"])


async def test_a_free_item_missing_from_the_catalogue_is_refused(
    client: httpx.AsyncClient,
) -> None:
    code = await _voucher(
        client,
        {"type": "UNIT", "unit_off": 1, "unit_type": "prod_nosuch", "effect": "ADD_NEW_ITEMS"},
    )
    resp = await client.post("/v1/redemptions", json=_body(code))
    assert resp.status_code == 400, resp.text
    assert resp.json()["key"] == "invalid_order"
    assert "prod_nosuch" in resp.json()["details"]
    assert await _redeemed_quantity(client, code) == 0


async def test_rolling_back_free_items_takes_them_off_the_order(
    client: httpx.AsyncClient,
) -> None:
    """The free mugs a UNIT discount added leave the order with their discount: the order
    must not keep them at full price (the customer would pay for the 'free' gift)."""
    mug = await _product(client, "unit-rb-mug", 300)
    unit = await _voucher(
        client, {"type": "UNIT", "unit_off": 2, "unit_type": mug, "effect": "ADD_NEW_ITEMS"}
    )
    amount = await _voucher(client, {"type": "AMOUNT", "amount_off": 100})
    first = await client.post(
        "/v1/redemptions",
        json={
            "redeemables": [{"object": "voucher", "id": unit}],
            "order": {"source_id": "unit-rb-order", "items": ORDER_ITEMS},
        },
    )
    assert first.status_code == 200, first.text
    second = await client.post(
        "/v1/redemptions",
        json={
            "redeemables": [{"object": "voucher", "id": amount}],
            "order": {"source_id": "unit-rb-order"},
        },
    )
    assert second.status_code == 200, second.text
    order_id = first.json()["order"]["id"]
    redeemed = await _stored_order(client, order_id)
    assert redeemed["amount"] == 2000 + 600
    assert redeemed["total_amount"] == 2000 - 100

    [redemption] = first.json()["redemptions"]
    rolled = await client.post(f"/v1/redemptions/{redemption['id']}/rollback")
    assert rolled.status_code == 200, rolled.text

    after = await _stored_order(client, order_id)
    assert after["status"] != "CANCELED"  # the AMOUNT redemption still stands
    assert after["amount"] == 2000
    assert after["discount_amount"] == 100
    assert after["total_amount"] == 2000 - 100
    [shirt, mugs] = after["items"]
    assert shirt["quantity"] == 2 and shirt["amount"] == 2000
    assert mugs["product_id"] == mug
    assert mugs["quantity"] == 0 and mugs["amount"] == 0
    assert not mugs.get("discount_amount")
