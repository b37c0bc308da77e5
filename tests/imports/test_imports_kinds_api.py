"""Each import and bulk update over HTTP on both engines, through the single-object rules."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from tests.imports.helpers import finish, upload
from tests.support import ProjectKeys
from voucherd.events.models import Event
from voucherd.kit.db import Database


async def _json(client: httpx.AsyncClient, path: str, body: Any, expect: int = 202) -> str:
    r = await client.post(path, json=body)
    assert r.status_code == expect, r.text
    return str(r.json()["async_action_id"])


async def test_voucher_json_import_checks_each_voucher_like_a_create(
    client: httpx.AsyncClient, db: Database
) -> None:
    body = [
        {
            "code": "J-1",
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 500},
        },
        {"code": "J-2", "type": "GIFT_VOUCHER", "gift": {"amount": 2000}, "metadata": {"a": 1}},
        {"code": "J-3", "type": "DISCOUNT_VOUCHER"},  # no discount: refused as a create is
        {"code": "J-4", "discount": {"type": "PERCENT"}},  # PERCENT without percent_off
        {"code": "J-5", "type": "LOYALTY_CARD", "loyalty_card": {"points": 70}},
    ]
    action = await finish(client, db, await _json(client, "/v1/vouchers/import", body))
    assert action["type"] == "VOUCHERS.IMPORT"
    result = action["result"]
    assert (result["done_count"], result["failed_count"]) == (3, 2)
    assert [(f["row"], f["code"]) for f in result["failed"]] == [(3, "J-3"), (4, "J-4")]
    assert "discount" in result["failed"][0]["reason"]
    assert result["failed"][1]["field"].startswith("discount")
    card = (await client.get("/v1/vouchers/J-5")).json()
    assert card["loyalty_card"]["balance"] == 70
    # The opening points are in the card's ledger, as for a card created one by one.
    tx = (await client.get("/v1/loyalties/members/J-5/transactions")).json()
    assert [t["details"]["balance"]["points"] for t in tx["data"]] == [70]
    # An element that is no object at all makes the whole array unreadable: 400, nothing queued.
    r = await client.post("/v1/vouchers/import", json=[{"code": "J-6"}, "not an object"])
    assert r.status_code == 400
    assert "1: Input should be a valid dictionary" in r.json()["details"]


async def _campaign(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.post(
        "/v1/campaigns",
        json={
            "name": "Imported codes",
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "STATIC",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "PERCENT", "percent_off": 20},
            },
            "vouchers_count": 1,
        },
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_campaign_csv_import_adds_codes_with_the_campaign_template(
    client: httpx.AsyncClient, db: Database
) -> None:
    campaign = await _campaign(client)
    csv = "Code,Category,Active,Region\nC-1,vip,true,EU\nC-2,,false,\n,,,\nC-1,,,\n"
    action_id = await upload(client, f"/v1/campaigns/{campaign['id']}/importCSV", csv, expect=200)
    action = await finish(client, db, action_id)
    assert action["type"] == "CAMPAIGN.VOUCHERS_IMPORT_CSV"
    result = action["result"]
    # Line 4 has only commas: a blank record, skipped; line 5 repeats line 2's code.
    assert (result["done_count"], result["failed_count"]) == (2, 1)
    assert result["failed"][0]["row"] == 5
    code = (await client.get("/v1/vouchers/C-1")).json()
    assert code["campaign_id"] == campaign["id"]
    assert code["discount"]["percent_off"] == 20
    assert code["metadata"] == {"Region": "EU"}
    assert code["category"] == "vip"
    got = (await client.get(f"/v1/campaigns/{campaign['id']}")).json()
    assert got["vouchers_count"] == 3


async def test_campaign_json_import_and_unknown_campaign(
    client: httpx.AsyncClient, db: Database
) -> None:
    campaign = await _campaign(client)
    path = f"/v1/campaigns/{campaign['id']}/import"
    action_id = await _json(client, path, [{"code": "CJ-1", "metadata": {"k": "v"}}])
    action = await finish(client, db, action_id)
    assert action["type"] == "CAMPAIGN.VOUCHERS_IMPORT"
    assert action["result"]["done_count"] == 1
    assert (await client.get("/v1/vouchers/CJ-1")).json()["campaign_id"] == campaign["id"]
    r = await client.post("/v1/campaigns/camp_nope/import", json=[{"code": "X"}])
    assert r.status_code == 404
    assert r.json()["key"] == "not_found"


async def test_customer_csv_import_upserts_by_source_id(
    client: httpx.AsyncClient, db: Database
) -> None:
    r = await client.post("/v1/customers", json={"source_id": "c-1", "name": "Old Name"})
    assert r.status_code == 200
    csv = (
        "Name,Email,Source_id,Address_City,Birthdate,Tier\n"
        "New Name,a@example.com,c-1,Berlin,1990-05-01,gold\n"
        "Bee,b@example.com,c-2,,,\n"
        "Sea,c@example.com,c-3,,not-a-date,\n"
    )
    action = await finish(client, db, await upload(client, "/v1/customers/importCSV", csv))
    result = action["result"]
    assert (result["done_count"], result["failed_count"]) == (2, 1)
    assert result["failed"][0] == {
        "row": 4,
        "source_id": "c-3",
        "field": "Birthdate",
        "reason": "Birthdate must be an ISO 8601 date, not 'not-a-date'",
    }
    assert result["message"] == "2 customer(s) imported successfully, 1 failed."
    c1 = (await client.get("/v1/customers/c-1")).json()
    assert (c1["name"], c1["email"], c1["address"]["city"]) == (
        "New Name",
        "a@example.com",
        "Berlin",
    )
    assert c1["metadata"] == {"Tier": "gold"}
    assert (await client.get("/v1/customers/c-3")).status_code == 404


async def test_product_and_sku_csv_imports(client: httpx.AsyncClient, db: Database) -> None:
    csv = 'name,source_id,price,attributes\nShirt,p-1,1999,"color,size"\n,p-2,100,\n'
    action = await finish(
        client, db, await upload(client, "/v1/products/importCSV", csv, expect=200)
    )
    assert (action["result"]["done_count"], action["result"]["failed_count"]) == (1, 1)
    assert action["result"]["failed"][0]["field"] == "name"
    shirt = (await client.get("/v1/products/p-1")).json()
    assert (shirt["price"], shirt["attributes"]) == (1999, ["color", "size"])

    skus = (
        "product_id,source_id,sku,price,attributes\n"
        'p-1,s-1,Red S,2099,"{""color"": ""red""}"\n'
        "p-404,s-2,,,\n"
        "p-1,s-3,Blue,,[1]\n"
    )
    action = await finish(client, db, await upload(client, "/v1/skus/importCSV", skus, expect=200))
    result = action["result"]
    assert (result["done_count"], result["failed_count"]) == (1, 2)
    assert [(f["row"], f["source_id"]) for f in result["failed"]] == [(3, "s-2"), (4, "s-3")]
    sku = (await client.get("/v1/skus/s-1")).json()
    assert (sku["product_id"], sku["attributes"]) == (shirt["id"], {"color": "red"})


async def test_order_import_writes_history_without_events(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    body = [
        {"source_id": "o-1", "status": "PAID", "amount": 5000, "customer": {"source_id": "buyer"}},
        {"source_id": "o-2", "status": "NOT-A-STATUS"},
    ]
    action = await finish(client, db, await _json(client, "/v1/orders/import", body, expect=200))
    result = action["result"]
    assert (result["done_count"], result["failed_count"]) == (1, 1)
    assert result["failed"][0]["row"] == 2
    order = (await client.get("/v1/orders/o-1")).json()
    assert (order["status"], order["amount"]) == ("PAID", 5000)
    # The same order through POST /v1/orders records order.created and order.paid.
    assert await _order_events(db, project) == []


async def _order_events(db: Database, project: ProjectKeys) -> list[str]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(Event.type).where(
                Event.project_id == project.project_id, Event.type.like("order.%")
            )
        )
        return list(rows.scalars())


async def test_products_bulk_and_metadata_async(client: httpx.AsyncClient, db: Database) -> None:
    body = [
        {"source_id": "b-1", "name": "One", "price": 100},
        {"source_id": "b-2", "name": "Two", "metadata": {"x": 1}},
        {"name": "No source id"},
    ]
    action = await finish(client, db, await _json(client, "/v1/products/bulk/async", body))
    assert action["type"] == "PRODUCTS.BULK_UPDATE"
    assert action["result"]["message"] == "2 product(s) updated successfully, 1 failed."
    assert (await client.get("/v1/products/b-1")).json()["price"] == 100

    meta = {"source_ids": ["b-1", "b-2", "b-404"], "metadata": {"season": "winter"}}
    action = await finish(client, db, await _json(client, "/v1/products/metadata/async", meta))
    assert action["type"] == "PRODUCTS.METADATA_UPDATE"
    result = action["result"]
    assert (result["done_count"], result["failed_count"]) == (2, 1)
    assert result["failed"][0]["source_id"] == "b-404"
    two = (await client.get("/v1/products/b-2")).json()
    assert two["metadata"] == {"x": 1, "season": "winter"}
