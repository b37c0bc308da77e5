"""Validation rules in validations and redemptions, over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.rules.support import assign_rule, campaign_code, coupon, gift_card, product, rule
from tests.support import ProjectKeys
from voucherd.kit.db import Database

AMOUNT_OFF_ORDER = {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"}


def _validation(code: str, amount: int, **extra: Any) -> dict[str, Any]:
    return {
        "redeemables": [{"object": "voucher", "id": code}],
        "order": {"amount": amount},
        **extra,
    }


async def test_order_amount_rule_refuses_a_small_cart_and_says_why(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    voucher = await coupon(client, AMOUNT_OFF_ORDER)
    rule_id = await assign_rule(
        db,
        project,
        voucher["id"],
        {"1": rule("order.amount", {"$more_than": [5000]}), "logic": "1"},
        error="Orders over 50 only",
    )

    small = (await client.post("/v1/validations", json=_validation(voucher["code"], 4500))).json()
    assert small["valid"] is False
    refused = small["inapplicable_redeemables"][0]
    error = refused["result"]["error"]
    assert error["key"] == "order_rules_violated"
    assert error["message"] == "order does not match validation rules"
    assert error["error"] == {"message": "Orders over 50 only"}
    assert rule_id in error["details"]
    assert "order amount 45.00 is not more than 50.00" in error["details"]
    assert error["violations"] == [
        {
            "validation_rule_id": rule_id,
            "rule": "1",
            "name": "order.amount",
            "message": "Orders over 50 only",
            "explanation": "order amount 45.00 is not more than 50.00",
        }
    ]

    big = (await client.post("/v1/validations", json=_validation(voucher["code"], 6000))).json()
    assert big["valid"] is True
    assert big["order"]["total_discount_amount"] == 500

    redeemed = await client.post("/v1/redemptions", json=_validation(voucher["code"], 4500))
    assert redeemed.status_code == 400
    assert redeemed.json()["key"] == "order_rules_violated"
    assert redeemed.json()["error"] == {"message": "Orders over 50 only"}
    failed = (await client.get("/v1/redemptions", params={"result": "FAILURE"})).json()
    assert failed["total"] == 1
    ok = await client.post("/v1/redemptions", json=_validation(voucher["code"], 6000))
    assert ok.status_code == 200, ok.text


async def test_campaign_rules_apply_to_its_codes_and_customer_family_is_reported(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign_id, code = await campaign_code(client, "Gold only", AMOUNT_OFF_ORDER)
    await assign_rule(
        db,
        project,
        campaign_id,
        {
            "1": rule("customer.metadata", {"$is": ["gold"]}, property="tier"),
            "logic": "1",
        },
        related_object_type="campaign",
    )
    silver = {"source_id": "ann", "metadata": {"tier": "silver"}}
    await client.post("/v1/customers", json=silver)
    await client.post("/v1/customers", json={"source_id": "bob", "metadata": {"tier": "gold"}})

    refused = (
        await client.post(
            "/v1/validations", json=_validation(code, 1000, customer={"source_id": "ann"})
        )
    ).json()
    error = refused["inapplicable_redeemables"][0]["result"]["error"]
    assert error["key"] == "customer_rules_violated"
    assert "customer metadata 'tier' 'silver' is not 'gold'" in error["details"]
    assert "error" not in error  # no custom message anywhere: no `error` key (a.6)

    allowed = (
        await client.post(
            "/v1/validations", json=_validation(code, 1000, customer={"source_id": "bob"})
        )
    ).json()
    assert allowed["valid"] is True


async def test_running_amount_decides_a_stacked_coupon_and_initial_amount_does_not(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    # VOUCHERIFY-RULES.md b: cart 10.50, a 1.00 gift card first, coupon needs amount > 10.
    card = await gift_card(client, 100)
    running = await coupon(client, AMOUNT_OFF_ORDER)
    initial = await coupon(client, AMOUNT_OFF_ORDER)
    await assign_rule(
        db,
        project,
        running["id"],
        {"1": rule("order.amount", {"$more_than": [1000]}), "logic": "1"},
    )
    await assign_rule(
        db,
        project,
        initial["id"],
        {"1": rule("order.initial_amount", {"$more_than": [1000]}), "logic": "1"},
    )

    def body(code: str) -> dict[str, Any]:
        return {
            "redeemables": [
                {"object": "voucher", "id": card["code"], "gift": {"credits": 100}},
                {"object": "voucher", "id": code},
            ],
            "order": {"amount": 1050},
        }

    refused = (await client.post("/v1/validations", json=body(running["code"]))).json()
    assert refused["valid"] is False
    error = refused["inapplicable_redeemables"][0]["result"]["error"]
    assert error["key"] == "order_rules_violated"
    assert "order amount 9.50 is not more than 10.00" in error["details"]

    allowed = (await client.post("/v1/validations", json=body(initial["code"]))).json()
    assert allowed["valid"] is True
    assert allowed["order"]["total_discount_amount"] == 100 + 500
    assert allowed["order"]["total_amount"] == 450

    # Alone (no gift card first), the running amount is the cart: the coupon applies.
    alone = await client.post("/v1/validations", json=_validation(running["code"], 1050))
    assert alone.json()["valid"] is True


async def test_applicable_to_limits_an_item_discount_to_matching_lines_under_stacking(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    mug = await product(client, "Mug", 1000)
    tee = await product(client, "Tee", 2000)
    card = await gift_card(client, 300)
    voucher = await coupon(
        client, {"type": "AMOUNT", "amount_off": 400, "effect": "APPLY_TO_ITEMS"}
    )
    await assign_rule(
        db,
        project,
        voucher["id"],
        {
            "1": {
                "name": "order.items.any",
                "conditions": {"$is": [{"id": mug, "object": "product"}]},
                "rules": {},
            },
            "logic": "1",
        },
        applicable_to={
            "included": [{"object": "product", "id": mug, "effect": "APPLY_TO_EVERY"}],
            "excluded": [],
        },
    )
    order = {
        "items": [
            {"product_id": mug, "quantity": 2, "price": 1000},
            {"product_id": tee, "quantity": 1, "price": 2000},
        ]
    }
    body = {
        "redeemables": [
            {"object": "voucher", "id": card["code"], "gift": {"credits": 300}},
            {"object": "voucher", "id": voucher["code"]},
        ],
        "order": order,
    }
    answer = (await client.post("/v1/validations", json=body)).json()
    assert answer["valid"] is True, answer
    coupon_entry = answer["redeemables"][1]
    assert coupon_entry["applicable_to"]["total"] == 1
    assert coupon_entry["applicable_to"]["data"][0]["id"] == mug
    assert coupon_entry["applicable_to"]["data"][0]["order_item_indices"] == [0]
    assert coupon_entry["inapplicable_to"] == {
        "data": [],
        "total": 0,
        "data_ref": "data",
        "object": "list",
    }
    items = answer["order"]["items"]
    assert [i.get("discount_amount", 0) for i in items] == [400, 0]
    assert answer["order"]["total_discount_amount"] == 300 + 400
    assert answer["order"]["total_amount"] == 4000 - 700

    redeemed = await client.post("/v1/redemptions", json=body)
    assert redeemed.status_code == 200, redeemed.text
    assert [i.get("discount_amount", 0) for i in redeemed.json()["order"]["items"]] == [400, 0]

    # No mug in the cart: the item rule refuses the coupon.
    no_mug = {
        "redeemables": [{"object": "voucher", "id": voucher["code"]}],
        "order": {"items": [{"product_id": tee, "quantity": 1, "price": 2000}]},
    }
    refused = (await client.post("/v1/validations", json=no_mug)).json()
    error = refused["inapplicable_redeemables"][0]["result"]["error"]
    assert error["key"] == "order_rules_violated"
    assert f"no order item is product {mug}" in error["details"]
