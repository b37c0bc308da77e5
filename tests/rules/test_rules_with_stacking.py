"""Validation rules and stacking rules together: a redeemable the stacking rules skip keeps
nothing of the counters its rules took, and a rule failure is seen by the arrangement."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import ProjectKeys

ORDER = {"items": [{"source_id": "mug", "quantity": 1, "price": 5000}]}
ONCE_PER_CUSTOMER = {
    "1": {
        "name": "redemption.count.per_customer",
        "conditions": {"$less_than_or_equal": [1]},
        "rules": {},
    },
    "logic": "1",
}


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _code_once_per_customer(client: httpx.AsyncClient, code: str, rule_id: str) -> None:
    ok(
        await client.post(
            "/v1/vouchers",
            json={
                "code": code,
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 100, "effect": "APPLY_TO_ORDER"},
                "validation_rules": [rule_id],
            },
        )
    )


def _redeem(*codes: str) -> dict[str, Any]:
    return {
        "redeemables": [{"object": "voucher", "id": c} for c in codes],
        "customer": {"source_id": "stacker"},
        "order": ORDER,
    }


async def test_a_skipped_redeemable_gives_back_the_counters_its_rules_took(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, project: ProjectKeys
) -> None:
    rule = ok(
        await client.post("/v1/validation-rules", json={"name": "Once", "rules": ONCE_PER_CUSTOMER})
    )
    await _code_once_per_customer(client, "FIRST", rule["id"])
    await _code_once_per_customer(client, "SECOND", rule["id"])
    created = await mgmt.post(
        f"/management/v1/projects/{project.project_id}/stacking-rules",
        json={"applicable_redeemables_limit": 1},
    )
    assert created.status_code == 200, created.text

    both = ok(await client.post("/v1/redemptions", json=_redeem("FIRST", "SECOND")))
    assert [r["voucher"]["code"] for r in both["redemptions"]] == ["FIRST"]
    assert [s["id"] for s in both["skipped_redeemables"]] == ["SECOND"]
    # SECOND's use was counted when its rules were checked, then given back when the stacking
    # rules skipped it: once per customer still lets this customer redeem it.
    alone = ok(await client.post("/v1/redemptions", json=_redeem("SECOND")))
    assert [r["result"] for r in alone["redemptions"]] == ["SUCCESS"]
    again = await client.post("/v1/redemptions", json=_redeem("SECOND"))
    assert again.status_code == 400
    assert again.json()["key"] == "redemption_rules_violated"


async def test_a_rule_failure_in_mode_all_skips_the_rest(client: httpx.AsyncClient) -> None:
    over_100 = {
        "1": {"name": "order.amount", "conditions": {"$more_than": [10000]}, "rules": {}},
        "logic": "1",
    }
    rule = ok(await client.post("/v1/validation-rules", json={"name": "Big", "rules": over_100}))
    await _code_once_per_customer(client, "BIGONLY", rule["id"])
    ok(
        await client.post(
            "/v1/vouchers",
            json={
                "code": "PLAIN",
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 100, "effect": "APPLY_TO_ORDER"},
            },
        )
    )
    validation = ok(await client.post("/v1/validations", json=_redeem("BIGONLY", "PLAIN")))
    assert validation["valid"] is False
    assert [r["id"] for r in validation["inapplicable_redeemables"]] == ["BIGONLY"]
    assert [r["id"] for r in validation["skipped_redeemables"]] == ["PLAIN"]
    assert validation["skipped_redeemables"][0]["result"]["details"]["key"] == (
        "preceding_validation_failed"
    )
