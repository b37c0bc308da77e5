"""One order named by several requests at once keeps every request's change."""

from __future__ import annotations

import asyncio

import httpx

N = 6


async def test_concurrent_redemptions_on_one_order_each_keep_their_discount(
    client: httpx.AsyncClient,
) -> None:
    # The order is read under its row lock when staged by source_id (as by id): read
    # unlocked, each redemption wrote the discount and redemptions map it computed from
    # the order as it was before the others, and only the last one stayed.
    codes = []
    for i in range(N):
        resp = await client.post(
            "/v1/vouchers",
            json={"code": f"TEN-{i}", "discount": {"type": "AMOUNT", "amount_off": 1000}},
        )
        assert resp.status_code == 200, resp.text
        codes.append(resp.json()["code"])
    order = await client.post("/v1/orders", json={"source_id": "shared-order", "amount": 100_000})
    assert order.status_code == 200, order.text

    responses = await asyncio.gather(
        *(
            client.post(
                "/v1/redemptions",
                json={
                    "redeemables": [{"object": "voucher", "id": code}],
                    "order": {"source_id": "shared-order", "amount": 100_000},
                },
            )
            for code in codes
        )
    )
    assert [r.status_code for r in responses] == [200] * N, [r.text for r in responses]

    stored = (await client.get(f"/v1/orders/{order.json()['id']}")).json()
    assert len(stored["redemptions"]) == N
    assert stored["discount_amount"] == N * 1000
