"""Metadata schemas over HTTP on both engines: Management CRUD, the `/v1` reads the
connectors make, and writes of each object type refused (400 naming the key, nothing
stored) when their metadata breaks the project's schema."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.projects import service as projects

DISCOUNT = {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"}


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


def refused(resp: httpx.Response, *keys: str) -> str:
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["key"] == "invalid_payload"
    for key in keys:
        assert key in body["details"], body["details"]
    return str(body["details"])


@pytest.fixture
async def mgmt(db: Database) -> dict[str, str]:
    async with db.transaction() as session:
        key = await projects.issue_key(session, kind="management", project_id=None)
    return {"X-Management-Id": key.key_id, "X-Management-Token": key.token}


async def define(
    client: httpx.AsyncClient,
    mgmt: dict[str, str],
    project: ProjectKeys,
    related_object: str,
    properties: dict[str, Any],
    **extra: Any,
) -> Any:
    body = {"related_object": related_object, "properties": properties, **extra}
    url = f"/management/v1/projects/{project.project_id}/metadata-schemas"
    return ok(await client.post(url, json=body, headers=mgmt))


def _def(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, **extra}


async def test_management_crud_and_v1_reads(
    client: httpx.AsyncClient, mgmt: dict[str, str], project: ProjectKeys
) -> None:
    created = await define(
        client,
        mgmt,
        project,
        "customer",
        {
            "region": _def("string", eq=["EU", "US"], optional=False),
            "codes": _def("string", array=True, exact_length=5),
        },
        allow_defined_only=True,
    )
    assert created["id"].startswith("ms_") and created["object"] == "metadata_schema"
    assert created["related_object"] == "customer" and created["allow_defined_only"] is True
    assert created["updated_at"] is None
    # Management answers snake_case, as its spec.
    assert created["properties"]["codes"] == {
        "type": "string",
        "array": True,
        "optional": True,
        "object_type": None,
        "exact_length": 5,
    }
    # /v1 answers camelCase, as MetadataSchemaDeprecated and Voucherify's examples.
    got = ok(await client.get("/v1/metadata-schemas/customer"))
    assert got["id"] == created["id"]
    assert got["properties"]["codes"] == {
        "type": "string",
        "array": True,
        "optional": True,
        "objectType": None,
        "exactLength": 5,
    }
    assert got["properties"]["region"]["eq"] == ["EU", "US"]
    assert got["properties"]["region"]["optional"] is False

    order = await define(client, mgmt, project, "order", {"channel": _def("string")})
    listed = ok(await client.get("/v1/metadata-schemas"))
    assert (listed["object"], listed["data_ref"], listed["total"]) == ("list", "schemas", 2)
    assert [s["related_object"] for s in listed["schemas"]] == ["customer", "order"]

    base = f"/management/v1/projects/{project.project_id}/metadata-schemas"
    mlist = ok(await client.get(base, headers=mgmt))
    assert (mlist["data_ref"], mlist["total"]) == ("data", 2)
    updated = ok(
        await client.put(
            f"{base}/{created['id']}",
            json={"properties": {"tier": _def("number", gte=0)}, "allow_defined_only": False},
            headers=mgmt,
        )
    )
    # Definitions sent are added or replaced; the others stay.
    assert set(updated["properties"]) == {"region", "codes", "tier"}
    assert updated["allow_defined_only"] is False and updated["updated_at"] is not None
    assert ok(await client.get(f"{base}/{created['id']}", headers=mgmt)) == updated

    assert (await client.delete(f"{base}/{order['id']}", headers=mgmt)).status_code == 204
    missing = await client.get("/v1/metadata-schemas/order")
    assert missing.status_code == 404 and missing.json()["key"] == "not_found"
    assert (await client.get(f"{base}/{order['id']}", headers=mgmt)).status_code == 404


async def test_bad_schema_bodies_are_400_and_store_nothing(
    client: httpx.AsyncClient, mgmt: dict[str, str], project: ProjectKeys
) -> None:
    base = f"/management/v1/projects/{project.project_id}/metadata-schemas"
    bad = [
        {"related_object": "customer", "properties": {"a": {"type": "colour"}}},
        {"related_object": "customer", "properties": {"a": {"type": "number", "min_length": 1}}},
        {"related_object": "customer", "properties": {"a": {"type": "string", "maxLenght": 3}}},
        {"related_object": "customer", "properties": {"a": {"optional": True}}},
        {"related_object": "", "properties": {}},
        {"properties": {}},
    ]
    for body in bad:
        resp = await client.post(base, json=body, headers=mgmt)
        assert resp.status_code == 400, (body, resp.text)
    assert ok(await client.get("/v1/metadata-schemas"))["total"] == 0
    await define(client, mgmt, project, "customer", {"a": _def("string")})
    again = await client.post(
        base, json={"related_object": "customer", "properties": {}}, headers=mgmt
    )
    assert again.status_code == 409 and again.json()["key"] == "duplicate_found"
    [schema] = ok(await client.get("/v1/metadata-schemas"))["schemas"]
    retype = await client.put(
        f"{base}/{schema['id']}", json={"properties": {"a": _def("number")}}, headers=mgmt
    )
    refused(retype, "properties.a.type cannot change")
    # App keys do not write schemas; unknown projects are 404.
    assert (
        await client.post(base, json={"related_object": "x", "properties": {}})
    ).status_code == 401
    gone = await client.get("/management/v1/projects/proj_nope/metadata-schemas", headers=mgmt)
    assert gone.status_code == 404


async def test_customer_writes_follow_the_customer_schema(
    client: httpx.AsyncClient, mgmt: dict[str, str], project: ProjectKeys
) -> None:
    await define(
        client,
        mgmt,
        project,
        "customer",
        {"region": _def("string", eq=["EU", "US"], optional=False), "age": _def("number", gt=0)},
        allow_defined_only=True,
    )
    bad = await client.post(
        "/v1/customers", json={"source_id": "c1", "metadata": {"region": "APAC", "age": 0}}
    )
    details = refused(bad, "metadata.region must be one of EU, US", "metadata.age")
    assert "customer" in details
    unknown = await client.post(
        "/v1/customers", json={"source_id": "c1", "metadata": {"region": "EU", "vip": True}}
    )
    refused(unknown, "metadata.vip is not defined")
    missing = await client.post("/v1/customers", json={"source_id": "c1", "metadata": {}})
    refused(missing, "metadata.region is required")
    # Nothing was stored by the refusals.
    assert (await client.get("/v1/customers/c1")).status_code == 404

    made = ok(
        await client.post("/v1/customers", json={"source_id": "c1", "metadata": {"region": "EU"}})
    )
    refused(
        await client.put(f"/v1/customers/{made['id']}", json={"metadata": {"region": 1}}),
        "metadata.region must be a string",
    )
    assert ok(await client.get("/v1/customers/c1"))["metadata"] == {"region": "EU"}
    # A write that sends no metadata is not checked (nor is the stored metadata changed).
    renamed = ok(await client.put(f"/v1/customers/{made['id']}", json={"name": "Ann"}))
    assert renamed["metadata"] == {"region": "EU"}


async def test_products_skus_orders_and_items_follow_their_schemas(
    client: httpx.AsyncClient, mgmt: dict[str, str], project: ProjectKeys
) -> None:
    await define(client, mgmt, project, "product", {"brand": _def("string", max_length=5)})
    await define(client, mgmt, project, "sku", {"size": _def("string", eq=["S", "M", "L"])})
    await define(client, mgmt, project, "order", {"store": _def("number", optional=False)})
    await define(client, mgmt, project, "order_item", {"gift": _def("boolean")})

    refused(
        await client.post("/v1/products", json={"name": "Tee", "metadata": {"brand": "Acme Co"}}),
        "metadata.brand must be at most 5 characters long",
    )
    product = ok(
        await client.post(
            "/v1/products", json={"name": "Tee", "source_id": "tee", "metadata": {"brand": "Acme"}}
        )
    )
    refused(
        await client.post(
            f"/v1/products/{product['id']}/skus",
            json={"sku": "Tee XL", "source_id": "tee-xl", "metadata": {"size": "XL"}},
        ),
        "metadata.size must be one of S, M, L",
    )
    items = [{"source_id": "tee", "related_object": "product", "quantity": 1, "price": 1000}]
    refused(
        await client.post(
            "/v1/orders",
            json={
                "source_id": "o1",
                "items": [{**items[0], "metadata": {"gift": "yes"}}],
                "metadata": {"store": 7},
            },
        ),
        "items[0].metadata.gift must be a boolean",
    )
    refused(
        await client.post("/v1/orders", json={"source_id": "o1", "items": items, "metadata": {}}),
        "metadata.store is required",
    )
    assert (await client.get("/v1/orders/o1")).status_code == 404
    order = ok(
        await client.post(
            "/v1/orders",
            json={
                "source_id": "o1",
                "items": [{**items[0], "metadata": {"gift": True}}],
                "metadata": {"store": 7},
            },
        )
    )
    assert order["metadata"] == {"store": 7}


async def test_vouchers_campaigns_and_redemptions_follow_their_schemas(
    client: httpx.AsyncClient, mgmt: dict[str, str], project: ProjectKeys
) -> None:
    await define(client, mgmt, project, "voucher", {"batch": _def("string", min_length=3)})
    await define(client, mgmt, project, "campaign", {"launched": _def("date")})
    await define(client, mgmt, project, "redemption", {"pos": _def("string", optional=False)})
    refused(
        await client.post(
            "/v1/vouchers",
            json={
                "code": "MS-1",
                "type": "DISCOUNT_VOUCHER",
                "discount": DISCOUNT,
                "metadata": {"batch": "x"},
            },
        ),
        "metadata.batch must be at least 3 characters long",
    )
    assert (await client.get("/v1/vouchers/MS-1")).status_code == 404
    campaign_body = {
        "name": "Spring",
        "campaign_type": "DISCOUNT_COUPONS",
        "vouchers_count": 1,
        "voucher": {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT},
    }
    refused(
        await client.post(
            "/v1/campaigns", json={**campaign_body, "metadata": {"launched": "13/05/2024"}}
        ),
        "metadata.launched must be a date",
    )
    assert ok(await client.get("/v1/campaigns"))["total"] == 0
    campaign = ok(
        await client.post(
            "/v1/campaigns", json={**campaign_body, "metadata": {"launched": "2024-05-13"}}
        )
    )
    [voucher] = ok(await client.get(f"/v1/vouchers?campaign_id={campaign['id']}"))["vouchers"]
    redeem = {
        "redeemables": [{"object": "voucher", "id": voucher["code"]}],
        "order": {"amount": 10000},
    }
    refused(
        await client.post("/v1/redemptions", json={**redeem, "metadata": {}}),
        "metadata.pos is required",
    )
    after = ok(await client.get(f"/v1/vouchers/{voucher['code']}"))
    assert after["redemption"]["redeemed_quantity"] == 0
    done = ok(await client.post("/v1/redemptions", json={**redeem, "metadata": {"pos": "till-2"}}))
    assert done["redemptions"][0]["metadata"] == {"pos": "till-2"}


async def test_a_schema_change_applies_to_the_next_write(
    client: httpx.AsyncClient, mgmt: dict[str, str], project: ProjectKeys
) -> None:
    ok(await client.post("/v1/customers", json={"source_id": "a", "metadata": {"x": "1"}}))
    schema = await define(client, mgmt, project, "customer", {"x": _def("number")})
    refused(
        await client.post("/v1/customers", json={"source_id": "b", "metadata": {"x": "1"}}),
        "metadata.x must be a number",
    )
    base = f"/management/v1/projects/{project.project_id}/metadata-schemas/{schema['id']}"
    assert (await client.delete(base, headers=mgmt)).status_code == 204
    ok(await client.post("/v1/customers", json={"source_id": "b", "metadata": {"x": "1"}}))


async def test_nested_objects_are_checked_against_their_custom_schema(
    client: httpx.AsyncClient, mgmt: dict[str, str], project: ProjectKeys
) -> None:
    await define(client, mgmt, project, "Payment", {"method": _def("string", eq=["card"])})
    await define(client, mgmt, project, "order", {"payment": _def("object", object_type="Payment")})
    refused(
        await client.post("/v1/orders", json={"metadata": {"payment": {"method": "iou"}}}),
        "metadata.payment.method must be one of card",
    )
    ok(await client.post("/v1/orders", json={"metadata": {"payment": {"method": "card"}}}))


async def test_one_schema_query_per_request_however_many_objects_it_writes(
    client: httpx.AsyncClient, mgmt: dict[str, str], project: ProjectKeys, db: Database
) -> None:
    await define(client, mgmt, project, "order_item", {"gift": _def("boolean")})
    await define(client, mgmt, project, "customer", {"vip": _def("boolean")})
    reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM metadata_schemas" in statement:
            reads.append(statement)

    engines = {db.write_engine.sync_engine, db.read_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        items = [
            {
                "source_id": f"p{i}",
                "related_object": "product",
                "quantity": 1,
                "price": 100,
                "metadata": {"gift": True},
            }
            for i in range(3)
        ]
        body = {
            "customer": {"source_id": "q", "metadata": {"vip": True}},
            "items": items,
            "metadata": {"any": 1},
        }
        ok(await client.post("/v1/orders", json=body))
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)
    assert len(reads) == 1
