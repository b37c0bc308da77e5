"""A publication's `source_id` is its idempotency key, on every path that publishes with one:
`POST /v1/publications` and `POST /v1/loyalties/{id}/members` answer the publication already
made under it (never a 500 from the unique key), concurrently too (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

PROGRAM: dict[str, Any] = {
    "name": "Stars",
    "type": "AUTO_UPDATE",
    "join_once": True,
    "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
}


async def _program(client: httpx.AsyncClient) -> str:
    resp = await client.post("/v1/loyalties", json=PROGRAM)
    assert resp.status_code == 200, resp.text
    program_id: str = resp.json()["id"]
    return program_id


async def _member(client: httpx.AsyncClient, program_id: str, body: dict[str, Any]) -> Any:
    return await client.post(f"/v1/loyalties/{program_id}/members", json=body)


async def test_member_with_another_customers_publication_source_id_answers_that_publication(
    client: httpx.AsyncClient,
) -> None:
    program_id = await _program(client)
    first = await _member(
        client, program_id, {"customer": {"source_id": "ann"}, "source_id": "crm-pub-1"}
    )
    assert first.status_code == 200, first.text
    card = first.json()

    second = await _member(
        client, program_id, {"customer": {"source_id": "bob"}, "source_id": "crm-pub-1"}
    )
    # Was a 500 (unique violation on the publication's source_id).
    assert second.status_code == 200, second.text
    assert second.json()["code"] == card["code"]
    assert second.json()["holder_id"] == card["holder_id"]
    # Nothing was published twice: one member, one publication, and bob holds no card.
    members = (await client.get(f"/v1/loyalties/{program_id}/members")).json()
    assert members["total"] == 1
    publications = (await client.get("/v1/publications")).json()
    assert publications["total"] == 1
    # The replay comes before the customer is resolved: bob was not even created.
    assert (await client.get("/v1/customers/bob")).status_code == 404

    # POST /v1/publications answers the same publication for that source_id.
    replay = await client.post(
        "/v1/publications",
        json={
            "campaign": {"id": program_id},
            "customer": {"source_id": "bob"},
            "source_id": "crm-pub-1",
        },
    )
    assert replay.status_code == 200, replay.text
    body = replay.json()
    assert body["source_id"] == "crm-pub-1"
    assert body["voucher"]["code"] == card["code"]
    # The publication as it was made: its own customer, not the one the retry named.
    assert body["customer_id"] == card["holder_id"] == body["customer"]["id"]


async def test_member_with_source_id_of_a_given_voucher_publication_answers_it(
    client: httpx.AsyncClient,
) -> None:
    program_id = await _program(client)
    published = await client.post(
        "/v1/publications",
        json={
            "campaign": {"id": program_id},
            "customer": {"source_id": "cid"},
            "source_id": "crm-pub-2",
        },
    )
    assert published.status_code == 200, published.text
    code = published.json()["voucher"]["code"]
    again = await _member(
        client, program_id, {"customer": {"source_id": "dan"}, "source_id": "crm-pub-2"}
    )
    assert again.status_code == 200, again.text
    assert again.json()["code"] == code


async def test_concurrent_publications_with_one_new_source_id_never_500(
    client: httpx.AsyncClient,
) -> None:
    program_id = await _program(client)
    n = 6
    responses = await asyncio.gather(
        *(
            _member(client, program_id, {"customer": {"source_id": f"c{i}"}, "source_id": "same"})
            for i in range(n)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    # The first commits; the others replay it (200) or lost the race to the unique key (409).
    assert set(statuses) <= {200, 409}, [r.text for r in responses]
    assert statuses[0] == 200
    codes = {r.json()["code"] for r in responses if r.status_code == 200}
    assert len(codes) == 1
    assert (await client.get("/v1/publications")).json()["total"] == 1
    members = (await client.get(f"/v1/loyalties/{program_id}/members")).json()
    assert members["total"] == 1
