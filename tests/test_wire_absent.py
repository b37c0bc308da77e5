"""Where Voucherify omits an optional object it does not have, voucherd leaves the key out
rather than sending null (the rule and its reasons: voucherd/kit/wire.py); where it has one,
the key is there (SQLite and PostgreSQL). Event payloads keep the nulls of the webhook seeds."""

from __future__ import annotations

from typing import Any

import httpx

from tests.earning.helpers import SEED_EXPIRATION_RULES, create_program, create_rules, fixed_rule
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database
from voucherd.kit.wire import omit_absent


def test_omit_absent_drops_only_the_named_keys_that_hold_nothing() -> None:
    body: dict[str, Any] = {"a": None, "b": [], "c": {}, "d": 0, "e": None, "f": [1]}
    assert omit_absent(body, ("a", "b", "c", "d", "f", "missing")) == {
        "c": {},
        "d": 0,
        "e": None,
        "f": [1],
    }


async def _voucher(client: httpx.AsyncClient) -> str:
    resp = await client.post(
        "/v1/vouchers", json={"discount": {"type": "AMOUNT", "amount_off": 100}}
    )
    assert resp.status_code == 200, resp.text
    code: str = resp.json()["code"]
    return code


async def test_validation_and_redemption_leave_out_empty_redeemable_lists(
    client: httpx.AsyncClient,
) -> None:
    code = await _voucher(client)
    request = {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 1000}}
    validation = await client.post("/v1/validations", json=request)
    assert validation.status_code == 200, validation.text
    assert validation.json()["valid"] is True
    assert "inapplicable_redeemables" not in validation.json()
    assert "skipped_redeemables" not in validation.json()

    # Something inapplicable: that list is there (with it), the empty one still is not.
    bad = {**request, "redeemables": [{"object": "voucher", "id": "no-such-code"}]}
    refused = (await client.post("/v1/validations", json=bad)).json()
    assert refused["valid"] is False
    assert [r["id"] for r in refused["inapplicable_redeemables"]] == ["no-such-code"]
    assert "skipped_redeemables" not in refused

    redeemed = await client.post("/v1/redemptions", json=request)
    assert redeemed.status_code == 200, redeemed.text
    body = redeemed.json()
    assert "inapplicable_redeemables" not in body and "skipped_redeemables" not in body
    [redemption] = body["redemptions"]
    # A voucher redemption has no promotion tier and no reward; its order no customer/referrer.
    for key in ("promotion_tier", "reward"):
        assert key not in redemption
    for order in (body["order"], redemption["order"]):
        assert "customer" not in order and "referrer" not in order
        assert order["customer_id"] is None and order["referrer_id"] is None
    fetched = (await client.get(f"/v1/redemptions/{redemption['id']}")).json()
    assert "promotion_tier" not in fetched and "reward" not in fetched
    assert "referrer" not in fetched["order"]


async def test_redemption_event_keeps_the_seeds_nulls(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    code = await _voucher(client)
    resp = await client.post(
        "/v1/redemptions",
        json={
            "redeemables": [{"object": "voucher", "id": code}],
            "customer": {"source_id": "ann"},
        },
    )
    assert resp.status_code == 200, resp.text
    [event] = await recorded_events(db, project, "redemption.succeeded")
    # Seed 004 has `"promotion_tier": null` and a campaign `expiration_date: null` there.
    assert "promotion_tier" in event.data and event.data["promotion_tier"] is None


async def test_order_customer_and_referrer_are_there_only_when_set(
    client: httpx.AsyncClient,
) -> None:
    bare = await client.post("/v1/orders", json={"amount": 1000})
    assert bare.status_code == 200, bare.text
    assert "customer" not in bare.json() and "referrer" not in bare.json()
    assert bare.json()["customer_id"] is None

    full = await client.post(
        "/v1/orders",
        json={
            "amount": 1000,
            "customer": {"source_id": "buyer"},
            "referrer": {"source_id": "friend"},
        },
    )
    assert full.status_code == 200, full.text
    body = full.json()
    assert body["customer"] == {"id": body["customer_id"], "object": "customer"}
    assert body["referrer"] == {"id": body["referrer_id"], "object": "customer"}
    listed = (await client.get("/v1/orders")).json()["orders"]
    by_id = {o["id"]: o for o in listed}
    assert "customer" not in by_id[bare.json()["id"]]
    assert by_id[body["id"]]["referrer"]["id"] == body["referrer_id"]


async def test_earning_rule_expiration_rules_only_when_set(client: httpx.AsyncClient) -> None:
    program = await create_program(client)
    plain, expiring = await create_rules(
        client,
        program["id"],
        fixed_rule(1),
        fixed_rule(2, expiration_rules=SEED_EXPIRATION_RULES),
    )
    assert "expiration_rules" not in plain
    assert "start_date" not in plain and "expiration_date" not in plain
    assert expiring["expiration_rules"] == SEED_EXPIRATION_RULES
    listed = (await client.get(f"/v1/loyalties/{program['id']}/earning-rules")).json()["data"]
    assert {r["id"]: "expiration_rules" in r for r in listed} == {
        plain["id"]: False,
        expiring["id"]: True,
    }


async def test_cleared_campaign_expiration_date_is_left_out(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/v1/campaigns",
        json={
            "name": "Dated",
            "type": "AUTO_UPDATE",
            "expiration_date": "2099-01-01T00:00:00Z",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 1},
            },
        },
    )
    assert created.status_code == 200, created.text
    campaign = created.json()
    assert campaign["expiration_date"].startswith("2099-01-01")
    assert "start_date" not in campaign

    cleared = await client.put(f"/v1/campaigns/{campaign['id']}", json={"expiration_date": None})
    assert cleared.status_code == 200, cleared.text
    assert "expiration_date" not in cleared.json()
    fetched = (await client.get(f"/v1/campaigns/{campaign['id']}")).json()
    assert "expiration_date" not in fetched
    listed = (await client.get("/v1/campaigns")).json()["campaigns"]
    assert "expiration_date" not in listed[0]
