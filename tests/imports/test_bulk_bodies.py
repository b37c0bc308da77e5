"""The product bulk endpoints with the bodies the official SDK suites send: none at all, and
a metadata update naming no products (both optional in the spec)."""

from __future__ import annotations

import httpx


async def test_empty_bulk_bodies_start_actions_that_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/v1/products", json={"source_id": "p1", "name": "Mug", "metadata": {}})
    for path, body in (
        ("/v1/products/bulk/async", None),
        ("/v1/products/metadata/async", {}),
    ):
        resp = await client.post(path, json=body) if body is not None else await client.post(path)
        assert resp.status_code == 202, (path, resp.text)
        action = (await client.get(f"/v1/async-actions/{resp.json()['async_action_id']}")).json()
        assert (action["status"], action["result"]["done_count"]) == ("DONE", 0)
    refused = await client.post("/v1/products/bulk/async", json=[1, 2])
    assert refused.status_code == 400
    product = (await client.get("/v1/products/p1")).json()
    assert product["metadata"] == {}
