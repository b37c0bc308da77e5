"""A code's publication counter (`publish.count`, the VOUCHER_PUBLISH_COUNT formula variable)
counts every publication, also when they arrive at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import httpx

N = 12


async def test_concurrent_publications_of_one_code_each_count(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/v1/vouchers", json={"discount": {"type": "AMOUNT", "amount_off": 100}}
    )
    assert created.status_code == 200, created.text
    code = created.json()["code"]
    for i in range(N):
        resp = await client.post("/v1/customers", json={"source_id": f"pub-{i}"})
        assert resp.status_code == 200, resp.text

    responses = await asyncio.gather(
        *(
            client.post(
                "/v1/publications",
                json={"voucher": code, "customer": {"source_id": f"pub-{i}"}},
            )
            for i in range(N)
        )
    )
    assert [r.status_code for r in responses] == [200] * N, [r.text for r in responses]

    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["publish"]["count"] == N
    # The first holder stays: one of the customers, whichever committed first.
    holders = {r.json()["customer_id"] for r in responses}
    assert voucher["holder_id"] in holders
    assert (await client.get("/v1/publications")).json()["total"] == N
