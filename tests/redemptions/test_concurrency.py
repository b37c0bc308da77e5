"""Limits and balances hold when many requests arrive at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.support import SPRING_CAMPAIGN


async def _single_use_code(client: httpx.AsyncClient, name: str = "Spring Discounts") -> str:
    resp = await client.post(
        "/v1/campaigns", json={**SPRING_CAMPAIGN, "name": name, "vouchers_count": 1}
    )
    assert resp.status_code == 200, resp.text
    return str((await client.get("/v1/vouchers")).json()["vouchers"][0]["code"])


async def test_single_use_code_redeems_once_under_concurrency(client: httpx.AsyncClient) -> None:
    code = await _single_use_code(client)
    body = {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 10000}}
    responses = await asyncio.gather(
        *(client.post("/v1/redemptions", json=body) for _ in range(50))
    )
    outcomes = Counter("ok" if r.status_code == 200 else r.json()["key"] for r in responses)
    assert outcomes == {"ok": 1, "quantity_exceeded": 49}
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 1
    listing = (await client.get("/v1/redemptions", params={"result": "SUCCESS"})).json()
    assert listing["total"] == 1
    # Each refusal is listed as a failed redemption, as Voucherify lists them.
    failed = (await client.get("/v1/redemptions", params={"result": "FAILURE"})).json()
    assert failed["total"] == 49
    # The 49 refused requests left nothing behind: one order only.
    assert (await client.get("/v1/orders")).json()["total"] == 1


async def test_concurrent_gift_redemptions_never_take_balance_below_zero(
    client: httpx.AsyncClient,
) -> None:
    card = (
        await client.post("/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": 10000}})
    ).json()
    body = {
        "redeemables": [{"object": "voucher", "id": card["code"], "gift": {"credits": 3000}}],
        "order": {"amount": 5000},
    }
    responses = await asyncio.gather(
        *(client.post("/v1/redemptions", json=body) for _ in range(20))
    )
    ok = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code != 200]
    assert len(ok) == 3
    assert {r.json()["key"] for r in refused} == {"gift_amount_exceeded"}
    after = (await client.get(f"/v1/vouchers/{card['code']}")).json()
    assert after["gift"]["balance"] == 10000 - 3 * 3000
    assert after["gift"]["balance"] >= 0


async def test_simultaneous_rollbacks_of_one_redemption_succeed_once(
    client: httpx.AsyncClient,
) -> None:
    code = await _single_use_code(client)
    redeemed = await client.post(
        "/v1/redemptions",
        json={"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 1000}},
    )
    redemption_id = redeemed.json()["redemptions"][0]["id"]
    responses = await asyncio.gather(
        *(client.post(f"/v1/redemptions/{redemption_id}/rollback") for _ in range(20))
    )
    outcomes = Counter("ok" if r.status_code == 200 else r.json()["key"] for r in responses)
    assert outcomes == {"ok": 1, "already_rolled_back": 19}
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 0
