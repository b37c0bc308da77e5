"""Rule outcomes through the official SDK: a stacked validation and redemption with a gift
card first, a rule on the running order amount and a discount limited by `applicable_to`."""

from __future__ import annotations

import json
from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import ApiException

from tests.rules.support import assign_rule, rule
from tests.support import ProjectKeys
from voucherd.kit.db import Database


def _items(mug: str, tee: str) -> list[dict[str, Any]]:
    return [
        {"product_id": mug, "quantity": 2, "price": 300},
        {"product_id": tee, "quantity": 1, "price": 450},
    ]


async def test_stacked_rule_outcomes_parse_with_exact_numbers(
    sdk: Any, db: Database, project: ProjectKeys
) -> None:
    products = V.ProductsApi(sdk)
    mug = products.create_product(V.ProductsCreateRequestBody(name="Mug", price=300)).id
    tee = products.create_product(V.ProductsCreateRequestBody(name="Tee", price=450)).id
    vouchers = V.VouchersApi(sdk)
    card = vouchers.generate_random_code(
        V.VouchersCreateRequestBody.from_dict(
            {"type": "GIFT_VOUCHER", "gift": {"amount": 100, "effect": "APPLY_TO_ORDER"}}
        )
    )
    big_cart = vouchers.generate_random_code(
        V.VouchersCreateRequestBody.from_dict(
            {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 200, "effect": "APPLY_TO_ORDER"},
            }
        )
    )
    mugs = vouchers.generate_random_code(
        V.VouchersCreateRequestBody.from_dict(
            {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 50, "effect": "APPLY_TO_ITEMS"},
            }
        )
    )
    # Awaited on the test's own loop: the session's database pool is bound to it (PostgreSQL).
    await assign_rule(
        db,
        project,
        big_cart.id,
        {"1": rule("order.amount", {"$more_than": [1000]}), "logic": "1"},
        error="Carts over 10.00 only",
    )
    await assign_rule(
        db,
        project,
        mugs.id,
        {"logic": ""},
        applicable_to={
            "included": [{"object": "product", "id": mug, "effect": "APPLY_TO_EVERY"}],
            "excluded": [],
        },
    )
    body = {
        "redeemables": [
            {"object": "voucher", "id": card.code, "gift": {"credits": 100}},
            {"object": "voucher", "id": big_cart.code},
        ],
        "order": {"items": _items(mug, tee)},  # 10.50
    }
    validation = V.ValidationsApi(sdk).validate_stacked_discounts(
        V.ValidationsValidateRequestBody.from_dict(body)
    )
    assert validation.valid is False
    refused = validation.inapplicable_redeemables[0]
    assert refused.id == big_cart.code
    error = refused.result.error
    assert error.key == "order_rules_violated"
    assert error.error.message == "Carts over 10.00 only"
    assert "order amount 9.50 is not more than 10.00" in error.details

    body["redeemables"][1] = {"object": "voucher", "id": mugs.code}
    applied = V.ValidationsApi(sdk).validate_stacked_discounts(
        V.ValidationsValidateRequestBody.from_dict(body)
    )
    assert applied.valid is True
    targeted = applied.redeemables[1].applicable_to
    assert (targeted.object, targeted.total) == ("list", 1)
    assert targeted.data[0].id == mug
    assert targeted.data[0].effect == "APPLY_TO_EVERY"
    assert applied.order.items_discount_amount == 50
    assert applied.order.total_discount_amount == 150
    assert applied.order.total_amount == 900

    redeemed = V.RedemptionsApi(sdk).redeem_stacked_discounts(
        V.RedemptionsRedeemRequestBody.from_dict(body)
    )
    assert redeemed.order.total_amount == 900
    assert [i.discount_amount or 0 for i in redeemed.order.items] == [50, 0]

    # The card is spent now: alone, the coupon meets the cart's own amount.
    body = {
        "redeemables": [{"object": "voucher", "id": big_cart.code}],
        "order": {"items": [{"product_id": mug, "quantity": 3, "price": 300}]},
    }
    with pytest.raises(ApiException) as refusal:
        V.RedemptionsApi(sdk).redeem_stacked_discounts(
            V.RedemptionsRedeemRequestBody.from_dict(body)
        )
    assert refusal.value.status == 400
    answer = json.loads(refusal.value.body)
    assert answer["key"] == "order_rules_violated"
    assert answer["violations"][0]["explanation"] == "order amount 9.00 is not more than 10.00"
