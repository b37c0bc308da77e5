"""Segments over HTTP (both engines via the `client` fixture): creation, limits, members and
auto-update segments following their customers in the same transaction."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database
from voucherd.segments.models import CustomerSegment, Segment
from voucherd.segments.schemas import CustomerSegmentsListOut, SegmentOut


async def _customer(client: httpx.AsyncClient, source_id: str, **fields: Any) -> dict[str, Any]:
    resp = await client.post("/v1/customers", json={"source_id": source_id, **fields})
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


async def _segment(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    resp = await client.post("/v1/segments", json=body)
    assert resp.status_code == 200, resp.text
    SegmentOut.model_validate(resp.json())
    return resp.json()  # type: ignore[no-any-return]


def _gold() -> dict[str, Any]:
    return {"junction": "and", "metadata.tier": {"conditions": {"$is": "gold"}}}


async def _segment_ids(client: httpx.AsyncClient, customer: str) -> list[str]:
    resp = await client.get(f"/v1/customers/{customer}/segments")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    CustomerSegmentsListOut.model_validate(body)
    assert body["total"] == len(body["data"])
    return [s["id"] for s in body["data"]]


async def _stored(db: Database, project: ProjectKeys) -> tuple[int, int]:
    """(segments, memberships) stored for the project."""
    async with db.transaction(write=False) as session:
        segments = await session.scalar(
            select(func.count())
            .select_from(Segment)
            .where(Segment.project_id == project.project_id)
        )
        members = await session.scalar(
            select(func.count())
            .select_from(CustomerSegment)
            .join(Segment, Segment.id == CustomerSegment.segment_id)
            .where(Segment.project_id == project.project_id)
        )
    return int(segments or 0), int(members or 0)


async def _payloads(db: Database, project: ProjectKeys, event_type: str) -> list[dict[str, Any]]:
    return [e.data for e in await recorded_events(db, project, event_type)]


async def test_static_segment_by_ids_and_source_ids(client: httpx.AsyncClient) -> None:
    ann = await _customer(client, "ann")
    await _customer(client, "bob")
    cid = await _customer(client, "cid")
    body = await _segment(
        client, name="Picked", type="static", customers=[ann["id"], "cid", ann["id"]]
    )
    assert body["id"].startswith("seg_")
    assert (body["type"], body["filter"], body["initial_sync_status"], body["object"]) == (
        "static",
        None,
        "DONE",
        "segment",
    )
    assert "updated_at" not in body
    assert (await client.get(f"/v1/segments/{body['id']}")).json() == body
    assert await _segment_ids(client, "ann") == [body["id"]]
    assert await _segment_ids(client, cid["id"]) == [body["id"]]
    assert await _segment_ids(client, "bob") == []
    listed = (await client.get(f"/v1/customers?segment_id={body['id']}")).json()
    assert sorted(c["source_id"] for c in listed["customers"]) == ["ann", "cid"]
    assert listed["total"] == 2


async def test_static_segment_naming_unknown_customers_is_refused_and_stores_nothing(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await _customer(client, "ann")
    resp = await client.post(
        "/v1/segments",
        json={"name": "Bad", "type": "static", "customers": ["ann", "ghost", "cust_nobody"]},
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["key"] == "invalid_payload"
    assert "ghost" in resp.json()["details"] and "cust_nobody" in resp.json()["details"]
    assert "ann" not in resp.json()["details"].split(": ", 1)[1].split(", ")
    assert await _stored(db, project) == (0, 0)


async def test_static_segment_over_20000_customers_is_refused(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    resp = await client.post(
        "/v1/segments",
        json={"name": "Big", "type": "static", "customers": [f"c{i}" for i in range(20_001)]},
    )
    assert resp.status_code == 400, resp.text
    assert "20000" in resp.json()["details"]
    assert await _stored(db, project) == (0, 0)


async def test_bad_segment_bodies_are_refused_and_store_nothing(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {
                "name": "x",
                "type": "auto-update",
                "filter": {"junction": "and", "loyalty.points": {"conditions": {"$is": 1}}},
            },
            "loyalty.points",
        ),
        (
            {
                "name": "x",
                "type": "passive",
                "filter": {"junction": "and", "email": {"conditions": {"$more_than": 3}}},
            },
            "$more_than",
        ),
        (
            {
                "name": "x",
                "type": "passive",
                "filter": {"junction": "xor", "email": {"conditions": {"$is": "a"}}},
            },
            "junction",
        ),
        (
            {
                "name": "x",
                "type": "auto-update",
                "filter": {"junction": "and", "created_at": {"conditions": {"$more_than_ago": 3}}},
            },
            "$more_than_ago",
        ),
        ({"name": "x", "type": "auto-update"}, "filter"),
        ({"name": "x", "type": "static", "customers": []}, "customers"),
        ({"name": "x", "type": "static", "filter": _gold()}, "filter"),
        ({"name": "x", "type": "passive", "filter": _gold(), "customers": ["a"]}, "customers"),
        ({"name": "x", "filter": _gold()}, "type"),
    ]
    for body, named in cases:
        resp = await client.post("/v1/segments", json=body)
        assert resp.status_code == 400, (body, resp.text)
        assert named in resp.json()["details"], (body, resp.json())
    assert await _stored(db, project) == (0, 0)


async def test_at_most_100_dynamic_segments_per_project(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    for n in range(100):
        kind = "passive" if n % 2 else "auto-update"
        await _segment(client, name=f"s{n}", type=kind, filter=_gold())
    resp = await client.post(
        "/v1/segments", json={"name": "one more", "type": "passive", "filter": _gold()}
    )
    assert resp.status_code == 400, resp.text
    assert "100" in resp.json()["details"]
    await _customer(client, "ann")
    # Static segments are not counted.
    await _segment(client, name="static", type="static", customers=["ann"])
    assert (await _stored(db, project))[0] == 101


async def test_delete_segment_removes_it_and_its_members(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await _customer(client, "ann", metadata={"tier": "gold"})
    seg = await _segment(client, name="Gold", type="auto-update", filter=_gold())
    assert await _stored(db, project) == (1, 1)
    resp = await client.delete(f"/v1/segments/{seg['id']}")
    assert resp.status_code == 204
    assert (await client.get(f"/v1/segments/{seg['id']}")).status_code == 404
    assert (await client.delete(f"/v1/segments/{seg['id']}")).status_code == 404
    assert await _stored(db, project) == (0, 0)
    assert await _segment_ids(client, "ann") == []


async def test_auto_update_segment_computes_initial_members_without_events(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await _customer(client, "ann", metadata={"tier": "gold"})
    await _customer(client, "bob", metadata={"tier": "silver"})
    seg = await _segment(client, name="Gold", type="auto-update", filter=_gold())
    assert seg["filter"] == _gold() and seg["initial_sync_status"] == "DONE"
    assert await _segment_ids(client, "ann") == [seg["id"]]
    assert await _segment_ids(client, "bob") == []
    assert await _payloads(db, project, "customer.segment.entered") == []


async def test_customer_enters_and_leaves_by_metadata_change_with_one_event_each(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    seg = await _segment(client, name="Gold", type="auto-update", filter=_gold())
    passive = await _segment(client, name="Gold too", type="passive", filter=_gold())
    ann = await _customer(client, "ann", metadata={"tier": "silver"})
    assert await _segment_ids(client, "ann") == []

    await _customer(client, "ann", metadata={"tier": "gold"})  # upsert by source_id
    assert await _segment_ids(client, "ann") == sorted([seg["id"], passive["id"]])
    # Updating again with the same data changes nothing: no second event.
    resp = await client.put(f"/v1/customers/{ann['id']}", json={"metadata": {"tier": "gold"}})
    assert resp.status_code == 200
    entered = await _payloads(db, project, "customer.segment.entered")
    assert len(entered) == 1
    assert entered[0]["segment"] == {"id": seg["id"], "name": "Gold", "object": "segment"}
    assert entered[0]["customer"]["id"] == ann["id"]
    assert entered[0]["customer"]["metadata"] == {"tier": "gold"}
    assert entered[0]["customer"]["object"] == "customer"

    resp = await client.put(f"/v1/customers/{ann['id']}", json={"metadata": {"tier": "bronze"}})
    assert resp.status_code == 200
    assert await _segment_ids(client, "ann") == []
    left = await _payloads(db, project, "customer.segment.left")
    assert [(e["segment"]["id"], e["customer"]["metadata"]) for e in left] == [
        (seg["id"], {"tier": "bronze"})
    ]
    # The passive segment records nothing.
    assert all(e["segment"]["id"] != passive["id"] for e in entered + left)


async def test_customer_created_matching_enters_at_once(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    seg = await _segment(
        client,
        name="Poles",
        type="auto-update",
        filter={"junction": "and", "address.country": {"conditions": {"$is": "Poland"}}},
    )
    await _customer(client, "ann", address={"country": "Poland"})
    assert await _segment_ids(client, "ann") == [seg["id"]]
    assert len(await _payloads(db, project, "customer.segment.entered")) == 1


async def test_paid_orders_move_the_customer_by_its_summary(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    big = await _segment(
        client,
        name="Big spenders",
        type="auto-update",
        filter={
            "junction": "and",
            "summary.orders.total_amount": {"conditions": {"$more_than_equal": 10000}},
        },
    )
    await _customer(client, "ann")
    order = {"status": "PAID", "customer": {"source_id": "ann"}}
    resp = await client.post("/v1/orders", json={**order, "amount": 6000})
    assert resp.status_code == 200, resp.text
    assert await _segment_ids(client, "ann") == []
    resp = await client.post("/v1/orders", json={**order, "amount": 4000})
    assert resp.status_code == 200, resp.text
    assert await _segment_ids(client, "ann") == [big["id"]]
    [entered] = await _payloads(db, project, "customer.segment.entered")
    # The payload shows the summary after the order that moved the customer in.
    assert entered["customer"]["summary"]["orders"]["total_amount"] == 10000
    assert entered["customer"]["summary"]["orders"]["total_count"] == 2
    # A further paid order keeps the customer in: no second event.
    await client.post("/v1/orders", json={**order, "amount": 1})
    assert len(await _payloads(db, project, "customer.segment.entered")) == 1


async def test_leaving_by_summary_when_the_filter_is_an_upper_bound(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await _customer(client, "ann")
    newcomers = await _segment(
        client,
        name="No orders yet",
        type="auto-update",
        filter={"junction": "and", "summary.orders.total_count": {"conditions": {"$less_than": 1}}},
    )
    assert await _segment_ids(client, "ann") == [newcomers["id"]]
    resp = await client.post(
        "/v1/orders", json={"status": "PAID", "customer": {"source_id": "ann"}, "amount": 500}
    )
    assert resp.status_code == 200, resp.text
    assert await _segment_ids(client, "ann") == []
    [left] = await _payloads(db, project, "customer.segment.left")
    assert left["segment"]["id"] == newcomers["id"]


async def test_deleted_customer_leaves_no_membership(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    ann = await _customer(client, "ann", metadata={"tier": "gold"})
    await _segment(client, name="Gold", type="auto-update", filter=_gold())
    await _segment(client, name="Static", type="static", customers=["ann"])
    assert await _stored(db, project) == (2, 2)
    assert (await client.delete(f"/v1/customers/{ann['id']}")).status_code == 204
    assert await _stored(db, project) == (2, 0)


async def test_unknown_customer_gets_the_segments_it_would_qualify_for(
    client: httpx.AsyncClient,
) -> None:
    anyone = await _segment(
        client,
        name="Not yet ordered",
        type="passive",
        filter={"junction": "and", "summary.orders.total_count": {"conditions": {"$is": 0}}},
    )
    await _segment(client, name="Gold", type="auto-update", filter=_gold())
    assert await _segment_ids(client, "someone-new") == [anyone["id"]]


async def test_passive_segment_lists_its_customers(client: httpx.AsyncClient) -> None:
    await _customer(client, "ann", email="ann@shop.test")
    await _customer(client, "bob", email="bob@other.test")
    seg = await _segment(
        client,
        name="Shop",
        type="passive",
        filter={"junction": "or", "email": {"conditions": {"$ends_with": "@shop.test"}}},
    )
    listed = (await client.get(f"/v1/customers?segment_id={seg['id']}")).json()
    assert [c["source_id"] for c in listed["customers"]] == ["ann"]
    missing = await client.get("/v1/customers?segment_id=seg_nope")
    assert missing.status_code == 404
