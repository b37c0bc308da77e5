"""Rule sets assigned inline: campaign and voucher `validation_rules`, earning rule
`validation_rule_id`, reward assignment `validation_rules` (both engines)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.earning.helpers import create_program, create_rules, fixed_rule
from tests.rewards import helpers as rewards
from tests.rules.test_rules_api import DISCOUNT, make_rule, ok


async def assignments(client: httpx.AsyncClient, object_id: str) -> list[str]:
    body = ok(await client.get(f"/v1/validation-rules-assignments?related_object_id={object_id}"))
    return [a["rule_id"] for a in body["data"]]


def embedded(body: dict[str, Any]) -> list[str]:
    listing = body["validation_rules_assignments"]
    assert (listing["object"], listing["data_ref"], listing["total"]) == (
        "list",
        "data",
        len(listing["data"]),
    )
    for item in listing["data"]:
        assert item["object"] == "validation_rules_assignment"
        assert item["validation_status"] == "VALID"
    return [a["rule_id"] for a in listing["data"]]


async def test_campaign_validation_rules_are_stored_as_an_assignment(
    client: httpx.AsyncClient,
) -> None:
    rule = await make_rule(client)
    other = await make_rule(client, "Other")
    body = {
        "name": "Spring",
        "campaign_type": "DISCOUNT_COUPONS",
        "voucher": DISCOUNT,
        "vouchers_count": 2,
        "validation_rules": [rule["id"]],
    }
    campaign = ok(await client.post("/v1/campaigns", json=body))
    assert embedded(campaign) == [rule["id"]]
    assert embedded(ok(await client.get(f"/v1/campaigns/{campaign['id']}"))) == [rule["id"]]
    # The codes it generated are covered by the campaign's assignment: no copies.
    assert ok(await client.get("/v1/validation-rules-assignments"))["total"] == 1
    assert await assignments(client, campaign["id"]) == [rule["id"]]

    changed = ok(
        await client.put(
            f"/v1/campaigns/{campaign['id']}", json={"validation_rules": [other["id"]]}
        )
    )
    assert embedded(changed) == [other["id"]]
    cleared = ok(await client.put(f"/v1/campaigns/{campaign['id']}", json={"validation_rules": []}))
    assert embedded(cleared) == []
    kept = ok(await client.put(f"/v1/campaigns/{campaign['id']}", json={"description": "x"}))
    assert embedded(kept) == []


async def test_campaign_takes_at_most_one_rule_and_only_known_ones(
    client: httpx.AsyncClient,
) -> None:
    one, two = await make_rule(client), await make_rule(client, "Two")
    base = {"campaign_type": "DISCOUNT_COUPONS", "voucher": DISCOUNT}
    resp = await client.post(
        "/v1/campaigns", json={**base, "name": "A", "validation_rules": [one["id"], two["id"]]}
    )
    assert resp.status_code == 400
    resp = await client.post(
        "/v1/campaigns", json={**base, "name": "B", "validation_rules": ["val_nope"]}
    )
    assert resp.status_code == 404 and "val_nope" in resp.json()["details"]
    # Nothing stored: the campaign creation was rolled back with the refused assignment.
    assert ok(await client.get("/v1/campaigns"))["total"] == 0
    assert ok(await client.get("/v1/validation-rules-assignments"))["total"] == 0


async def test_voucher_validation_rules(client: httpx.AsyncClient) -> None:
    rule = await make_rule(client)
    voucher = ok(
        await client.post("/v1/vouchers/SAVE", json={**DISCOUNT, "validation_rules": [rule["id"]]})
    )
    assert embedded(voucher) == [rule["id"]]
    assert embedded(ok(await client.get("/v1/vouchers/SAVE"))) == [rule["id"]]
    assert await assignments(client, voucher["id"]) == [rule["id"]]
    plain = ok(await client.post("/v1/vouchers", json=DISCOUNT))
    assert embedded(plain) == []
    cleared = ok(await client.put("/v1/vouchers/SAVE", json={"validation_rules": []}))
    assert embedded(cleared) == []
    resp = await client.post("/v1/vouchers/NOPE", json={**DISCOUNT, "validation_rules": ["val_x"]})
    assert resp.status_code == 404
    assert (await client.get("/v1/vouchers/NOPE")).status_code == 404


async def test_earning_rule_validation_rule_id(client: httpx.AsyncClient) -> None:
    rule = await make_rule(client)
    program = await create_program(client)
    (earning,) = await create_rules(
        client, program["id"], fixed_rule(5, validation_rule_id=rule["id"])
    )
    assert earning["validation_rule_id"] == rule["id"]
    url = f"/v1/loyalties/{program['id']}/earning-rules/{earning['id']}"
    assert ok(await client.get(url))["validation_rule_id"] == rule["id"]
    listed = ok(await client.get(f"/v1/loyalties/{program['id']}/earning-rules"))
    assert [r["validation_rule_id"] for r in listed["data"]] == [rule["id"]]
    assert await assignments(client, earning["id"]) == [rule["id"]]
    cleared = ok(await client.put(url, json={"validation_rule_id": None}))
    assert cleared["validation_rule_id"] is None
    assert await assignments(client, earning["id"]) == []
    resp = await client.post(
        f"/v1/loyalties/{program['id']}/earning-rules",
        json=[fixed_rule(1, validation_rule_id="val_unknown")],
    )
    assert resp.status_code == 404
    assert ok(await client.get(f"/v1/loyalties/{program['id']}/earning-rules"))["total"] == 1


async def test_reward_assignment_validation_rules(client: httpx.AsyncClient) -> None:
    rule = await make_rule(client)
    program = await create_program(client)
    product = ok(await client.post("/v1/products", json={"source_id": "mug", "name": "Mug"}))
    reward = await rewards.material_reward(client, product["id"])
    made = ok(
        await client.post(
            f"/v1/rewards/{reward['id']}/assignments",
            json={
                "campaign": program["id"],
                "parameters": {"loyalty": {"points": 10}},
                "validation_rules": [rule["id"]],
            },
        )
    )
    assert await assignments(client, made["id"]) == [rule["id"]]
