"""Validation, stacked redemption and rollback over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import SEED_ORDER_ITEMS, SPRING_CAMPAIGN, ProjectKeys, recorded_events
from voucherd.kit.clock import clock
from voucherd.kit.db import Database


async def _code(client: httpx.AsyncClient, **overrides: Any) -> str:
    body = {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "AMOUNT", "amount_off": 1000},
    } | overrides
    resp = await client.post("/v1/vouchers", json=body)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


async def _gift(client: httpx.AsyncClient, amount: int = 5000) -> str:
    resp = await client.post(
        "/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": amount}}
    )
    return str(resp.json()["code"])


def _redeem_body(*redeemables: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "redeemables": list(redeemables),
        "order": {"items": SEED_ORDER_ITEMS},
        "customer": {"source_id": "buyer"},
    } | extra


async def test_stacked_redemption_has_a_parent_and_applies_in_order(
    client: httpx.AsyncClient,
) -> None:
    code = await _code(client)
    gift = await _gift(client)
    resp = await client.post(
        "/v1/redemptions",
        json=_redeem_body(
            {"object": "voucher", "id": code},
            {"object": "voucher", "id": gift, "gift": {"credits": 2000}},
        ),
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert len(body["redemptions"]) == 2
    parent = body["parent_redemption"]
    assert parent["related_object_type"] == "redemption"
    assert all(r["redemption"] == parent["id"] for r in body["redemptions"])
    # 11499 - 1000 (amount off) - 2000 (gift credits) = 8499.
    assert body["order"]["total_discount_amount"] == 3000
    assert body["order"]["total_amount"] == 8499
    assert [r["amount"] for r in body["redemptions"]] == [1000, 2000]
    card = (await client.get(f"/v1/vouchers/{gift}")).json()
    assert card["gift"]["balance"] == 3000
    txs = (await client.get(f"/v1/vouchers/{gift}/transactions")).json()["data"]
    assert [t["type"] for t in txs] == ["CREDITS_REDEMPTION"]


async def test_rollback_of_stacked_parent_returns_everything(
    client: httpx.AsyncClient,
    db: Database,
    project: ProjectKeys,
) -> None:
    code = await _code(client, redemption={"quantity": 1})
    gift = await _gift(client)
    body = (
        await client.post(
            "/v1/redemptions",
            json=_redeem_body(
                {"object": "voucher", "id": code},
                {"object": "voucher", "id": gift, "gift": {"credits": 1500}},
            ),
        )
    ).json()
    parent_id = body["parent_redemption"]["id"]
    resp = await client.post(
        f"/v1/redemptions/{parent_id}/rollbacks", params={"reason": "customer changed mind"}
    )
    assert resp.status_code == 200, resp.text
    result = resp.json()
    assert len(result["rollbacks"]) == 2
    assert all(r["object"] == "redemption_rollback" for r in result["rollbacks"])
    assert result["rollbacks"][0]["reason"] == "customer changed mind"
    assert result["order"]["total_discount_amount"] == 0
    assert (await client.get(f"/v1/vouchers/{gift}")).json()["gift"]["balance"] == 5000
    assert (await client.get(f"/v1/vouchers/{code}")).json()["redemption"]["redeemed_quantity"] == 0
    again = await client.post(f"/v1/redemptions/{parent_id}/rollbacks")
    assert again.status_code == 400 and again.json()["key"] == "already_rolled_back"
    child = (await client.get(f"/v1/redemptions/{body['redemptions'][0]['id']}")).json()
    assert child["status"] == "ROLLED_BACK"
    assert len(await recorded_events(db, project, "redemption.rollback.succeeded")) == 2
    assert len(await recorded_events(db, project, "customer.redemption.rollback.succeeded")) == 2


async def test_failed_redemption_changes_nothing(client: httpx.AsyncClient) -> None:
    good = await _code(client)
    resp = await client.post(
        "/v1/redemptions",
        json=_redeem_body(
            {"object": "voucher", "id": good}, {"object": "voucher", "id": "NO-SUCH-CODE"}
        ),
    )
    assert resp.status_code == 404
    assert resp.json()["key"] == "resource_not_found"
    assert (await client.get(f"/v1/vouchers/{good}")).json()["redemption"]["redeemed_quantity"] == 0
    assert (await client.get("/v1/orders")).json()["total"] == 0
    assert (await client.get("/v1/customers")).json()["total"] == 0
    succeeded = await client.get("/v1/redemptions", params={"result": "SUCCESS"})
    assert succeeded.json()["total"] == 0


async def test_validation_reports_inapplicable_and_skipped(client: httpx.AsyncClient) -> None:
    good = await _code(client)
    disabled = await _code(client)
    await client.post(f"/v1/vouchers/{disabled}/disable")
    resp = await client.post(
        "/v1/validations",
        json=_redeem_body({"object": "voucher", "id": good}, {"object": "voucher", "id": disabled}),
    )
    body = resp.json()
    assert resp.status_code == 200
    assert body["valid"] is False
    assert body["stacking_rules"]["redeemables_limit"] == 30
    [bad] = body["inapplicable_redeemables"]
    assert bad["id"] == disabled and bad["result"]["error"]["key"] == "voucher_disabled"
    assert [s["id"] for s in body["skipped_redeemables"]] == [good]
    # A validation writes nothing, not even the customer it names.
    assert (await client.get("/v1/customers")).json()["total"] == 0


@pytest.mark.parametrize(
    ("voucher", "key"),
    [
        ({"start_date": "2999-01-01T00:00:00Z"}, "voucher_not_active"),
        ({"expiration_date": "2000-01-01T00:00:00Z"}, "voucher_expired"),
        ({"active": False}, "voucher_disabled"),
    ],
)
async def test_voucher_state_errors_have_voucherify_keys(
    client: httpx.AsyncClient, voucher: dict[str, Any], key: str
) -> None:
    code = await _code(client, **voucher)
    resp = await client.post(
        "/v1/redemptions", json=_redeem_body({"object": "voucher", "id": code})
    )
    assert resp.status_code == 400 and resp.json()["key"] == key


async def test_expiry_follows_the_clock(client: httpx.AsyncClient) -> None:
    code = await _code(client, expiration_date="2030-01-01T00:00:00Z")
    clock.freeze(clock.now().replace(year=2031))
    resp = await client.post(
        "/v1/validations", json=_redeem_body({"object": "voucher", "id": code})
    )
    assert resp.json()["inapplicable_redeemables"][0]["result"]["error"]["key"] == (
        "voucher_expired"
    )


async def test_gift_credits_above_balance_are_refused(client: httpx.AsyncClient) -> None:
    gift = await _gift(client, 1000)
    resp = await client.post(
        "/v1/redemptions",
        json=_redeem_body({"object": "voucher", "id": gift, "gift": {"credits": 1001}}),
    )
    assert resp.status_code == 400 and resp.json()["key"] == "gift_amount_exceeded"


async def test_more_than_30_redeemables_is_invalid_payload(client: httpx.AsyncClient) -> None:
    redeemables = [{"object": "voucher", "id": f"C{i}"} for i in range(31)]
    resp = await client.post("/v1/redemptions", json={"redeemables": redeemables})
    assert resp.status_code == 400 and resp.json()["key"] == "invalid_payload"


@pytest.mark.parametrize(
    "order", [{"amount": -5}, {"amount": 10.5}, {"items": [{"quantity": 1, "price": -1}]}]
)
async def test_orders_with_bad_amounts_are_refused(
    client: httpx.AsyncClient, order: dict[str, Any]
) -> None:
    code = await _code(client)
    for path in ("/v1/validations", "/v1/redemptions"):
        resp = await client.post(
            path, json={"redeemables": [{"object": "voucher", "id": code}], "order": order}
        )
        assert resp.status_code == 400, resp.text
        assert resp.json()["key"] == "invalid_payload"


async def test_get_and_list_redemptions(client: httpx.AsyncClient) -> None:
    code = await _code(client)
    body = (
        await client.post("/v1/redemptions", json=_redeem_body({"object": "voucher", "id": code}))
    ).json()
    rid = body["redemptions"][0]["id"]
    fetched = (await client.get(f"/v1/redemptions/{rid}")).json()
    assert fetched["id"] == rid and fetched["voucher"]["code"] == code
    assert fetched["order"]["total_amount"] == 10499
    listing = (await client.get("/v1/redemptions", params={"customer": "buyer"})).json()
    assert [r["id"] for r in listing["redemptions"]] == [rid]
    assert (await client.get("/v1/redemptions/r_missing")).status_code == 404


async def test_seed_campaign_code_applies_10_percent(client: httpx.AsyncClient) -> None:
    await client.post("/v1/campaigns", json={**SPRING_CAMPAIGN, "vouchers_count": 1})
    code = (await client.get("/v1/vouchers")).json()["vouchers"][0]["code"]
    body = (
        await client.post("/v1/redemptions", json=_redeem_body({"object": "voucher", "id": code}))
    ).json()
    assert body["order"]["discount_amount"] == 1150
