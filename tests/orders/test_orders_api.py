"""Orders over HTTP: amounts from lines, upsert, statuses and the paid-once rule."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from tests.support import ProjectKeys
from voucherd.events.models import Event
from voucherd.kit.db import Database
from voucherd.orders.schemas import OrderOut, OrdersListOut

TWO_ITEMS = [
    {
        "product_id": None,
        "source_id": "prod-a",
        "related_object": "product",
        "quantity": 1,
        "price": 3500,
    },
    {"source_id": "prod-b", "related_object": "product", "quantity": 2, "price": 7999},
]


async def _event_types(db: Database, project: ProjectKeys, entity_id: str) -> list[str]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(Event.type)
            .where(Event.project_id == project.project_id, Event.entity_id == entity_id)
            .order_by(Event.id)
        )
        return list(rows.scalars())


async def test_amounts_are_computed_from_price_and_quantity(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/orders", json={"items": TWO_ITEMS})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    OrderOut.model_validate(body)
    assert body["id"].startswith("ord_")
    assert [i["amount"] for i in body["items"]] == [3500, 15998]
    assert all(i["id"].startswith("ordli_") for i in body["items"])
    assert body["amount"] == 19498
    assert body["total_amount"] == 19498
    assert body["status"] == "CREATED"


async def test_unknown_product_source_id_creates_the_product(client: httpx.AsyncClient) -> None:
    order = (
        await client.post(
            "/v1/orders",
            json={
                "items": [
                    {
                        "source_id": "new-sku-ish",
                        "related_object": "product",
                        "quantity": 1,
                        "price": 100,
                        "product": {"name": "Mug"},
                    }
                ]
            },
        )
    ).json()
    product_id = order["items"][0]["product_id"]
    product = (await client.get(f"/v1/products/{product_id}")).json()
    assert product["source_id"] == "new-sku-ish"
    assert product["name"] == "Mug"


async def test_order_with_customer_upserts_the_customer(client: httpx.AsyncClient) -> None:
    order = (
        await client.post(
            "/v1/orders", json={"customer": {"source_id": "buyer", "name": "Buyer"}, "amount": 1000}
        )
    ).json()
    customer = (await client.get("/v1/customers/buyer")).json()
    assert order["customer_id"] == customer["id"]
    assert customer["name"] == "Buyer"


async def test_paid_order_records_created_and_paid_events_and_counts_in_summary(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    order = (
        await client.post(
            "/v1/orders",
            json={"status": "PAID", "customer": {"source_id": "payer"}, "items": TWO_ITEMS},
        )
    ).json()
    assert await _event_types(db, project, order["id"]) == [
        "customer.order.created",
        "customer.order.paid",
    ]
    summary = (await client.get("/v1/customers/payer")).json()["summary"]["orders"]
    assert summary["total_count"] == 1
    assert summary["total_amount"] == 19498
    assert summary["last_order_amount"] == 19498


async def test_order_paid_is_recorded_once_however_often_it_is_saved(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    order = (await client.post("/v1/orders", json={"source_id": "o-1", "amount": 500})).json()
    responses = await asyncio.gather(
        *(client.put(f"/v1/orders/{order['id']}", json={"status": "PAID"}) for _ in range(20))
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    again = await client.post("/v1/orders", json={"source_id": "o-1", "status": "PAID"})
    assert again.json()["id"] == order["id"]
    types = await _event_types(db, project, order["id"])
    assert types.count("customer.order.paid") == 1


async def test_create_with_existing_source_id_updates_the_order(client: httpx.AsyncClient) -> None:
    first = (await client.post("/v1/orders", json={"source_id": "s1", "amount": 100})).json()
    second = (await client.post("/v1/orders", json={"source_id": "s1", "amount": 200})).json()
    assert second["id"] == first["id"]
    assert second["amount"] == 200


async def test_status_change_to_canceled_records_canceled_event(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    order = (await client.post("/v1/orders", json={"amount": 100})).json()
    await client.put(f"/v1/orders/{order['id']}", json={"status": "CANCELED"})
    assert "customer.order.canceled" in await _event_types(db, project, order["id"])


async def test_list_and_get_orders(client: httpx.AsyncClient) -> None:
    ids = [(await client.post("/v1/orders", json={"amount": n})).json()["id"] for n in (1, 2, 3)]
    listing = (await client.get("/v1/orders", params={"limit": 2})).json()
    OrdersListOut.model_validate(listing)
    assert listing["total"] == 3
    assert [o["id"] for o in listing["orders"]] == [ids[2], ids[1]]
    assert (await client.get(f"/v1/orders/{ids[0]}")).json()["amount"] == 1


async def test_item_discount_larger_than_amount_is_refused(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/orders",
        json={"items": [{"source_id": "p", "quantity": 1, "price": 100, "discount_amount": 101}]},
    )
    assert resp.status_code == 400
    assert resp.json()["key"] == "invalid_order"


async def test_concurrent_orders_naming_one_new_product_create_it_once(
    client: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(
                "/v1/orders",
                json={
                    "items": [
                        {
                            "source_id": "brand-new",
                            "related_object": "product",
                            "quantity": 1,
                            "price": 100,
                        }
                    ]
                },
            )
            for _ in range(10)
        )
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert len({r.json()["items"][0]["product_id"] for r in responses}) == 1
    assert (await client.get("/v1/products")).json()["total"] == 1


async def test_update_refuses_another_source_id_and_keeps_created_at(
    client: httpx.AsyncClient,
) -> None:
    order = (await client.post("/v1/orders", json={"source_id": "o-1", "amount": 100})).json()
    moved = await client.put(f"/v1/orders/{order['id']}", json={"source_id": "o-2"})
    assert moved.status_code == 400 and "source_id" in moved.json()["details"]
    when = "2030-01-02T03:04:05.000Z"
    same = await client.put(
        f"/v1/orders/{order['id']}", json={"source_id": "o-1", "created_at": when}
    )
    assert same.status_code == 200, same.text
    read = (await client.get(f"/v1/orders/{order['id']}")).json()
    assert read["source_id"] == "o-1" and read["created_at"] == when
