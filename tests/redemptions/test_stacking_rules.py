"""The validation's `stacking_rules` has every key of Voucherify's `StackingRules`, and says
what voucherd enforces (the project's rules; the defaults without custom ones)."""

from __future__ import annotations

import httpx

# StackingRules in Voucherify's OpenAPI: key -> JSON type.
STACKING_RULES_KEYS: dict[str, type] = {
    "redeemables_limit": int,
    "applicable_redeemables_limit": int,
    "applicable_redeemables_per_category_limit": int,
    "applicable_redeemables_category_limits": dict,
    "applicable_exclusive_redeemables_limit": int,
    "applicable_exclusive_redeemables_per_category_limit": int,
    "exclusive_categories": list,
    "joint_categories": list,
    "redeemables_application_mode": str,
    "redeemables_sorting_rule": str,
    "redeemables_products_application_mode": str,
    "redeemables_no_effect_rule": str,
    "no_effect_skip_categories": list,
    "no_effect_redeem_anyway_categories": list,
    "redeemables_rollback_order_mode": str,
}


async def _rules(client: httpx.AsyncClient, count: int) -> tuple[dict[str, object], int]:
    codes = []
    for _ in range(count):
        voucher = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 10}}
        codes.append((await client.post("/v1/vouchers", json=voucher)).json()["code"])
    resp = await client.post(
        "/v1/validations",
        json={
            "redeemables": [{"object": "voucher", "id": c} for c in codes],
            "order": {"amount": 10000},
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    applicable = [r for r in body["redeemables"] if r["status"] == "APPLICABLE"]
    return body["stacking_rules"], len(applicable)


async def test_stacking_rules_have_every_spec_key_with_its_type(client: httpx.AsyncClient) -> None:
    rules, _ = await _rules(client, 1)
    assert set(rules) == set(STACKING_RULES_KEYS)
    for key, kind in STACKING_RULES_KEYS.items():
        assert isinstance(rules[key], kind), key


async def test_reported_limits_are_the_enforced_ones(client: httpx.AsyncClient) -> None:
    rules, applicable = await _rules(client, 30)
    assert rules["redeemables_limit"] == 30
    # Voucherify's default rules: 30 may be sent, 5 apply (the rest are skipped).
    assert applicable == 5 == rules["applicable_redeemables_limit"]
    assert rules["redeemables_application_mode"] == "ALL"
    assert rules["redeemables_sorting_rule"] == "REQUESTED_ORDER"
    too_many = await client.post(
        "/v1/validations", json={"redeemables": [{"object": "voucher", "id": "X"}] * 31}
    )
    assert too_many.status_code == 400 and too_many.json()["key"] == "invalid_payload"
