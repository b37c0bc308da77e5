"""Concurrent changes of one customer leave its auto-update memberships consistent with its
final state (a real race on PostgreSQL; SQLite serialises writers and shows the rule only)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, text

from tests.conftest import Backend
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database
from voucherd.segments.models import Segment

# Both halves must hold: each concurrent update sets one of them.
VIP_GOLD = {
    "junction": "and",
    "name": {"conditions": {"$starts_with": "VIP"}},
    "metadata.tier": {"conditions": {"$is": "gold"}},
}
CUSTOMERS = 12


async def _segments_of(client: httpx.AsyncClient, customer_id: str) -> list[str]:
    resp = await client.get(f"/v1/customers/{customer_id}/segments")
    assert resp.status_code == 200, resp.text
    return [s["id"] for s in resp.json()["data"]]


async def test_two_concurrent_updates_of_one_customer_leave_memberships_of_the_final_state(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    resp = await client.post(
        "/v1/segments", json={"name": "VIP gold", "type": "auto-update", "filter": VIP_GOLD}
    )
    assert resp.status_code == 200, resp.text
    segment_id = resp.json()["id"]
    ids = []
    for n in range(CUSTOMERS):
        resp = await client.post(
            "/v1/customers",
            json={"source_id": f"c{n}", "name": f"Ann {n}", "metadata": {"tier": "silver"}},
        )
        ids.append(resp.json()["id"])

    def put(customer_id: str, body: dict[str, Any]) -> Any:
        return client.put(f"/v1/customers/{customer_id}", json=body)

    # Per customer, one request makes the name VIP and another the tier gold, at once: the
    # customer ends in the segment only if the second to commit sees the first's change.
    results = await asyncio.gather(
        *(put(i, {"name": f"VIP {i}"}) for i in ids),
        *(put(i, {"metadata": {"tier": "gold"}}) for i in ids),
    )
    assert all(r.status_code == 200 for r in results), [r.text for r in results]

    for customer_id in ids:
        got = (await client.get(f"/v1/customers/{customer_id}")).json()
        assert got["name"].startswith("VIP") and got["metadata"] == {"tier": "gold"}
        assert await _segments_of(client, customer_id) == [segment_id], customer_id
    entered = await recorded_events(db, project, "customer.segment.entered")
    left = await recorded_events(db, project, "customer.segment.left")
    assert sorted(e.entity_id for e in entered) == sorted(ids)  # exactly once each
    assert left == []


async def _waiting_on_a_lock(db: Database) -> bool:
    async with db.transaction(write=False) as session:
        waiting = await session.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        )
    return bool(waiting)


async def test_entering_a_segment_deleted_meanwhile_makes_no_membership(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys, backend: Backend
) -> None:
    if backend.name != "postgres":
        pytest.skip("needs two writers at once: SQLite has one")
    gold = {"junction": "and", "metadata.tier": {"conditions": {"$is": "gold"}}}
    resp = await client.post(
        "/v1/segments", json={"name": "Gold", "type": "auto-update", "filter": gold}
    )
    segment_id = resp.json()["id"]
    ann = (await client.post("/v1/customers", json={"source_id": "ann"})).json()

    async with db.transaction() as session:
        await session.execute(delete(Segment).where(Segment.id == segment_id))
        # The update reads the segment (its deletion is not committed yet), then must wait
        # for the deletion before it may reference the segment.
        update = asyncio.create_task(
            client.put(f"/v1/customers/{ann['id']}", json={"metadata": {"tier": "gold"}})
        )
        for _ in range(200):
            if update.done() or await _waiting_on_a_lock(db):
                break
            await asyncio.sleep(0.01)
        assert not update.done()
    resp = await update
    assert resp.status_code == 200, resp.text
    assert await _segments_of(client, ann["id"]) == []
    assert await recorded_events(db, project, "customer.segment.entered") == []
