"""Customers over HTTP: Voucherify's upsert, lookup by id or source_id, and its events."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from tests.support import ProjectKeys
from voucherd.customers.schemas import CustomerOut, CustomersListOut
from voucherd.events.models import Event
from voucherd.kit.db import Database


async def _events(db: Database, project: ProjectKeys, event_type: str) -> list[Event]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(Event).where(Event.project_id == project.project_id, Event.type == event_type)
        )
        return list(rows.scalars())


async def test_create_customer_returns_voucherify_object(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/customers",
        json={
            "source_id": "jck-wbhk",
            "name": "Jack Webhook",
            "email": "jack@example.com",
            "metadata": {"region": "EMEA"},
            "address": {"city": "Warsaw"},
            "birthdate": "1990-02-03",
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    CustomerOut.model_validate(body)
    assert body["id"].startswith("cust_")
    assert body["object"] == "customer"
    assert body["metadata"] == {"region": "EMEA"}
    assert body["birthdate"] == "1990-02-03"
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 24
    assert body["summary"]["orders"]["total_count"] == 0


async def test_create_with_known_source_id_updates_the_same_customer(
    client: httpx.AsyncClient,
) -> None:
    first = (await client.post("/v1/customers", json={"source_id": "c1", "name": "A"})).json()
    second = await client.post("/v1/customers", json={"source_id": "c1", "email": "a@x.io"})
    assert second.status_code == 200
    assert second.json()["id"] == first["id"]
    assert second.json()["name"] == "A"
    assert second.json()["email"] == "a@x.io"


async def test_concurrent_creates_of_one_source_id_make_one_customer(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    responses = await asyncio.gather(
        *(
            client.post("/v1/customers", json={"source_id": "race", "name": f"n{i}"})
            for i in range(10)
        )
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(await _events(db, project, "customer.created")) == 1


async def test_get_customer_by_id_or_source_id(client: httpx.AsyncClient) -> None:
    created = (await client.post("/v1/customers", json={"source_id": "LC 1/x"})).json()
    by_id = await client.get(f"/v1/customers/{created['id']}")
    by_source = await client.get("/v1/customers/LC%201%2Fx")
    assert by_id.json()["id"] == created["id"]
    assert by_source.status_code == 200, by_source.text
    assert by_source.json()["id"] == created["id"]


async def test_update_changes_only_given_fields(client: httpx.AsyncClient) -> None:
    created = (
        await client.post(
            "/v1/customers", json={"source_id": "u1", "name": "Old", "email": "old@x.io"}
        )
    ).json()
    resp = await client.put(f"/v1/customers/{created['id']}", json={"name": "New"})
    assert resp.json()["name"] == "New"
    assert resp.json()["email"] == "old@x.io"
    assert resp.json()["updated_at"] is not None


async def test_update_to_a_taken_source_id_is_a_conflict(client: httpx.AsyncClient) -> None:
    await client.post("/v1/customers", json={"source_id": "taken"})
    other = (await client.post("/v1/customers", json={"source_id": "mine"})).json()
    resp = await client.put(f"/v1/customers/{other['id']}", json={"source_id": "taken"})
    assert resp.status_code == 409
    assert resp.json()["key"] == "duplicate_found"
    assert (await client.get(f"/v1/customers/{other['id']}")).json()["source_id"] == "mine"


async def test_list_customers_pages_and_filters(client: httpx.AsyncClient) -> None:
    for i in range(5):
        await client.post("/v1/customers", json={"source_id": f"l{i}", "email": f"{i}@x.io"})
    page1 = (await client.get("/v1/customers", params={"limit": 2})).json()
    CustomersListOut.model_validate(page1)
    assert page1["object"] == "list" and page1["data_ref"] == "customers"
    assert page1["total"] == 5 and len(page1["customers"]) == 2
    # Newest first, as Voucherify lists.
    assert page1["customers"][0]["source_id"] == "l4"
    page3 = (await client.get("/v1/customers", params={"limit": 2, "page": 3})).json()
    assert [c["source_id"] for c in page3["customers"]] == ["l0"]
    after = (
        await client.get(
            "/v1/customers", params={"limit": 2, "starting_after_id": page1["customers"][1]["id"]}
        )
    ).json()
    assert [c["source_id"] for c in after["customers"]] == ["l2", "l1"]
    filtered = (await client.get("/v1/customers", params={"email": "3@x.io"})).json()
    assert [c["source_id"] for c in filtered["customers"]] == ["l3"]


async def test_delete_customer_removes_it_and_records_event(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    created = (await client.post("/v1/customers", json={"source_id": "gone"})).json()
    assert (await client.delete(f"/v1/customers/{created['id']}")).status_code == 204
    assert (await client.get(f"/v1/customers/{created['id']}")).status_code == 404
    deleted = await _events(db, project, "customer.deleted")
    assert [e.entity_id for e in deleted] == [created["id"]]


async def test_customer_created_event_is_recorded_with_the_request_group(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    created = (await client.post("/v1/customers", json={"source_id": "ev"})).json()
    [event] = await _events(db, project, "customer.created")
    assert event.id.startswith("evcus_")
    assert event.entity_id == created["id"]
    assert event.group_id.startswith("v-")
    assert event.event_source["channel"] == "API"
    assert event.event_source["api_key"]["app_id"] == project.app_id
    assert event.data["customer"]["id"] == created["id"]


async def test_failed_request_writes_nothing(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    resp = await client.post("/v1/customers", json={"source_id": "x", "name": 5})
    assert resp.status_code == 400
    async with db.transaction(write=False) as session:
        from voucherd.customers.models import Customer

        count = (
            await session.execute(
                select(func.count())
                .select_from(Customer)
                .where(Customer.project_id == project.project_id)
            )
        ).scalar_one()
    assert count == 0
