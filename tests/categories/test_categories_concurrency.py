"""Categories named by many requests at once (meaningful on PostgreSQL; SQLite has one
writer)."""

from __future__ import annotations

import asyncio

import httpx


async def test_concurrent_bodies_naming_a_new_category_share_one(
    client: httpx.AsyncClient,
) -> None:
    bodies = [
        {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 100},
            "category": "Flash sale",
        }
        for _ in range(10)
    ]
    responses = await asyncio.gather(*(client.post("/v1/vouchers", json=b) for b in bodies))
    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    [category] = (await client.get("/v1/categories")).json()["data"]
    assert {r.json()["category_id"] for r in responses} == {category["id"]}


async def test_concurrent_creates_of_one_name_make_one_category(
    client: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(
        *(client.post("/v1/categories", json={"name": "Once"}) for _ in range(10))
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    assert (await client.get("/v1/categories")).json()["total"] == 1
