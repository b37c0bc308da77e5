"""Auto-update segments follow the customer of a redemption, in the redemption's transaction:
its summary counters and the customer data the request upserts."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database


async def _auto(client: httpx.AsyncClient, name: str, key: str, op: str, operand: Any) -> str:
    resp = await client.post(
        "/v1/segments",
        json={
            "name": name,
            "type": "auto-update",
            "filter": {"junction": "and", key: {"conditions": {op: operand}}},
        },
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


async def _code(client: httpx.AsyncClient) -> str:
    body = {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "AMOUNT", "amount_off": 500},
        "redemption": {"quantity": 1},
    }
    resp = await client.post("/v1/vouchers", json=body)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


def _redeem(code: str, customer: dict[str, Any]) -> dict[str, Any]:
    return {
        "redeemables": [{"object": "voucher", "id": code}],
        "order": {"amount": 5000},
        "customer": customer,
    }


async def _segments_of(client: httpx.AsyncClient, customer: str) -> list[str]:
    return [
        s["id"] for s in (await client.get(f"/v1/customers/{customer}/segments")).json()["data"]
    ]


async def test_redemptions_move_the_customer_by_its_summary_and_upserted_data(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    redeemed = await _auto(
        client, "Redeemed", "summary.redemptions.total_succeeded", "$more_than_equal", 1
    )
    refused = await _auto(client, "Refused", "summary.redemptions.total_failed", "$more_than", 0)
    gold = await _auto(client, "Gold", "metadata.tier", "$is", "gold")
    code = await _code(client)

    resp = await client.post(
        "/v1/redemptions", json=_redeem(code, {"source_id": "jane", "metadata": {"tier": "gold"}})
    )
    assert resp.status_code == 200, resp.text
    assert sorted(await _segments_of(client, "jane")) == sorted([redeemed, gold])
    assert resp.json()["order"]["amount"] == 5000  # the order was saved once, whole

    # The code is used up: a refused redemption counts as failed.
    resp = await client.post("/v1/redemptions", json=_redeem(code, {"source_id": "jane"}))
    assert resp.status_code == 400, resp.text
    assert sorted(await _segments_of(client, "jane")) == sorted([redeemed, refused, gold])

    entered = await recorded_events(db, project, "customer.segment.entered")
    assert sorted(e.data["segment"]["id"] for e in entered) == sorted([redeemed, gold, refused])
    by_segment = {e.data["segment"]["id"]: e.data["customer"] for e in entered}
    assert by_segment[redeemed]["summary"]["redemptions"]["total_succeeded"] == 1
    assert by_segment[refused]["summary"]["redemptions"]["total_failed"] == 1
    orders = (await client.get("/v1/orders")).json()
    assert orders["total"] == 1
