"""Product collections over HTTP (both engines via the `client` fixture)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from voucherd.product_collections.schemas import (
    CollectionProductsListOut,
    ProductCollectionOut,
    ProductCollectionsListOut,
)


async def _product(client: httpx.AsyncClient, source_id: str, **fields: Any) -> dict[str, Any]:
    resp = await client.post("/v1/products", json={"source_id": source_id, **fields})
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


async def _sku(client: httpx.AsyncClient, product_id: str, source_id: str, **fields: Any) -> Any:
    resp = await client.post(
        f"/v1/products/{product_id}/skus", json={"source_id": source_id, **fields}
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _members(client: httpx.AsyncClient, collection_id: str, query: str = "") -> list[str]:
    resp = await client.get(f"/v1/product-collections/{collection_id}/products{query}")
    assert resp.status_code == 200, resp.text
    CollectionProductsListOut.model_validate(resp.json())
    return [item["id"] for item in resp.json()["data"]]


async def _count(client: httpx.AsyncClient) -> int:
    return (await client.get("/v1/product-collections")).json()["total"]  # type: ignore[no-any-return]


async def test_static_collection_lists_its_products_and_skus(client: httpx.AsyncClient) -> None:
    shoe = await _product(client, "shoe", name="Shoe", price=5000)
    tee = await _product(client, "tee", name="Tee", price=2000)
    tee_l = await _sku(client, tee["id"], "tee-l", sku="L", price=2100, attributes={"size": "L"})
    await _product(client, "mug", name="Mug")
    resp = await client.post(
        "/v1/product-collections",
        json={
            "type": "STATIC",
            "name": "Picked",
            "products": [
                {"id": shoe["id"], "object": "product"},
                {"id": tee_l["id"], "object": "sku", "product_id": tee["id"]},
            ],
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    ProductCollectionOut.model_validate(body)
    assert body["id"].startswith("pc_") and body["object"] == "products_collection"
    assert body["products"] == [
        {"id": shoe["id"], "object": "product"},
        {"id": tee_l["id"], "object": "sku", "product_id": tee["id"]},
    ]
    assert "filter" not in body
    assert (await client.get(f"/v1/product-collections/{body['id']}")).json() == body
    listed = (await client.get(f"/v1/product-collections/{body['id']}/products")).json()
    assert listed["total"] == 2
    by_id = {item["id"]: item for item in listed["data"]}
    assert set(by_id) == {shoe["id"], tee_l["id"]}
    assert by_id[tee_l["id"]]["object"] == "sku"
    assert by_id[tee_l["id"]]["product"]["id"] == tee["id"]
    # The SDK parses members with a list-typed `attributes`: a SKU's object is left out.
    assert "attributes" not in by_id[tee_l["id"]]
    assert "skus" not in by_id[shoe["id"]]


async def test_auto_update_collection_follows_product_changes(client: httpx.AsyncClient) -> None:
    cheap = await _product(client, "cheap", name="Cheap", price=1000, metadata={"brand": "V"})
    dear = await _product(client, "dear", name="Dear", price=9000, metadata={"brand": "V"})
    await _product(client, "other", name="Other", price=9000, metadata={"brand": "X"})
    resp = await client.post(
        "/v1/product-collections",
        json={
            "type": "AUTO_UPDATE",
            "name": "Voucherify example collection",
            "filter": {
                "junction": "and",
                "metadata.brand": {"conditions": {"$is": ["V"]}},
                "price": {"conditions": {"$more_than": [5000]}},
            },
        },
    )
    assert resp.status_code == 200, resp.text
    collection = resp.json()
    assert collection["type"] == "AUTO_UPDATE" and "products" not in collection
    assert collection["filter"]["price"] == {"conditions": {"$more_than": [5000]}}
    assert await _members(client, collection["id"]) == [dear["id"]]
    # No batch lag: the listing evaluates the filter against today's products.
    await client.put(f"/v1/products/{cheap['id']}", json={"price": 6000})
    assert sorted(await _members(client, collection["id"])) == sorted([cheap["id"], dear["id"]])


async def test_auto_update_or_junction_and_skus_tested_on_their_own(
    client: httpx.AsyncClient,
) -> None:
    phone = await _product(client, "phone", name="Phone", price=100)
    big = await _sku(client, phone["id"], "phone-big", sku="Phone 256", price=300)
    await _sku(client, phone["id"], "phone-small", sku="Small", price=50)
    book = await _product(client, "book", name="Book", price=50)
    resp = await client.post(
        "/v1/product-collections",
        json={
            "name": "Or",
            "filter": {
                "junction": "OR",
                "name": {"conditions": {"$starts_with": "Phone"}},
                "source_id": {"conditions": {"$in": ["book"]}},
            },
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["type"] == "AUTO_UPDATE"
    members = await _members(client, resp.json()["id"], "?order=created_at")
    assert members == [phone["id"], big["id"], book["id"]]
    only_skus = await client.post(
        "/v1/product-collections",
        json={
            "name": "Skus",
            "type": "AUTO_UPDATE",
            "filter": {"junction": "and", "object": {"conditions": {"$is": "sku"}}},
        },
    )
    assert len(await _members(client, only_skus.json()["id"])) == 2
    of_product = await client.post(
        "/v1/product-collections",
        json={
            "name": "Of phone",
            "type": "AUTO_UPDATE",
            "filter": {
                "junction": "and",
                "product_id": {"conditions": {"$is": phone["id"]}},
                "price": {"conditions": {"$more_than_equal": 300}},
            },
        },
    )
    assert await _members(client, of_product.json()["id"]) == [big["id"]]


async def test_members_paging_and_order(client: httpx.AsyncClient) -> None:
    ids = [(await _product(client, f"p{i}", price=i))["id"] for i in range(5)]
    resp = await client.post(
        "/v1/product-collections",
        json={
            "name": "All",
            "filter": {"junction": "and", "price": {"conditions": {"$has_value": []}}},
        },
    )
    cid = resp.json()["id"]
    assert await _members(client, cid) == ids[::-1]
    assert await _members(client, cid, "?limit=2&page=2") == ids[::-1][2:4]
    assert await _members(client, cid, "?order=created_at&limit=2") == ids[:2]
    page = (await client.get(f"/v1/product-collections/{cid}/products?limit=2")).json()
    assert page["total"] == 5
    third = (await client.get(f"/v1/products/{ids[2]}")).json()
    after = await _members(
        client, cid, f"?order=created_at&starting_after={third['created_at'].replace('+', '%2B')}"
    )
    assert after == ids[3:]
    bad = await client.get(f"/v1/product-collections/{cid}/products?order=-price")
    assert bad.status_code == 400


async def test_list_get_and_delete_collections(client: httpx.AsyncClient) -> None:
    product = await _product(client, "x")
    made = []
    for name in ("A", "B", "C"):
        resp = await client.post(
            "/v1/product-collections",
            json={"name": name, "products": [{"id": product["id"], "object": "product"}]},
        )
        made.append(resp.json()["id"])
    listed = (await client.get("/v1/product-collections?limit=2")).json()
    ProductCollectionsListOut.model_validate(listed)
    assert listed["total"] == 3 and [c["id"] for c in listed["data"]] == made[::-1][:2]
    ordered = (await client.get("/v1/product-collections?order=created_at")).json()
    assert [c["id"] for c in ordered["data"]] == made
    assert (await client.delete(f"/v1/product-collections/{made[0]}")).status_code == 204
    assert (await client.get(f"/v1/product-collections/{made[0]}")).status_code == 404
    assert (await client.delete(f"/v1/product-collections/{made[0]}")).status_code == 404
    assert (await client.get(f"/v1/product-collections/{made[0]}/products")).status_code == 404
    assert await _count(client) == 2


async def test_duplicate_name_is_refused(client: httpx.AsyncClient) -> None:
    body = {"name": "Same", "filter": {"junction": "and", "name": {"conditions": {"$is": "a"}}}}
    assert (await client.post("/v1/product-collections", json=body)).status_code == 200
    again = await client.post("/v1/product-collections", json=body)
    assert again.status_code == 409 and "Same" in again.json()["details"]
    assert await _count(client) == 1


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"name": "n", "products": [{"id": "prod_nope", "object": "product"}]}, "prod_nope"),
        ({"name": "n", "products": [{"id": "sku_nope", "object": "sku"}]}, "sku_nope"),
        ({"name": "n", "type": "STATIC", "products": []}, "products"),
        ({"name": "n", "type": "AUTO_UPDATE"}, "filter"),
        ({"name": "n", "filter": {"name": {"conditions": {"$is": "a"}}}}, "junction"),
        (
            {"name": "n", "filter": {"junction": "xor", "name": {"conditions": {"$is": "a"}}}},
            "junction",
        ),
        ({"name": "n", "filter": {"junction": "and"}}, "at least one"),
        (
            {"name": "n", "filter": {"junction": "and", "skus": {"conditions": {"$is": "a"}}}},
            "skus",
        ),
        (
            {"name": "n", "filter": {"junction": "and", "colour": {"conditions": {"$is": "a"}}}},
            "colour",
        ),
        (
            {"name": "n", "filter": {"junction": "and", "name": {"conditions": {"$count": 1}}}},
            "$count",
        ),
        (
            {"name": "n", "filter": {"junction": "and", "name": {"conditions": {"$more_than": 1}}}},
            "$more_than",
        ),
        (
            {
                "name": "n",
                "filter": {"junction": "and", "price": {"conditions": {"$contains": "1"}}},
            },
            "$contains",
        ),
        (
            {"name": "n", "filter": {"junction": "and", "price": {"conditions": {"$is": "5000"}}}},
            "number",
        ),
        (
            {
                "name": "n",
                "filter": {"junction": "and", "name": {"conditions": {"$is": ["a", "b"]}}},
            },
            "one value",
        ),
        (
            {
                "name": "n",
                "filter": {"junction": "and", "created_at": {"conditions": {"$after": "soon"}}},
            },
            "ISO 8601",
        ),
        ({"name": "n", "filter": {"junction": "and", "name": {"$is": "a"}}}, "conditions"),
        (
            {"name": "n", "filter": {"junction": "and", "metadata.": {"conditions": {"$is": "a"}}}},
            "metadata.",
        ),
        (
            {
                "name": "n",
                "filter": {"junction": "and", "metadata.k": {"conditions": {"$is": {"a": 1}}}},
            },
            "metadata.k",
        ),
    ],
)
async def test_bad_collections_are_refused_and_store_nothing(
    client: httpx.AsyncClient, payload: dict[str, Any], named: str
) -> None:
    resp = await client.post("/v1/product-collections", json=payload)
    assert resp.status_code == 400, resp.text
    error = resp.json()
    assert named in error["details"] or named in error["message"], error
    assert await _count(client) == 0


async def test_static_entries_must_be_what_they_say(client: httpx.AsyncClient) -> None:
    tee = await _product(client, "tee")
    mug = await _product(client, "mug")
    tee_l = await _sku(client, tee["id"], "tee-l")
    for entries in (
        [{"id": tee_l["id"], "object": "product"}],  # a SKU id called a product
        [{"id": tee["id"], "object": "sku"}],  # a product id called a SKU
        [{"id": tee_l["id"], "object": "sku", "product_id": mug["id"]}],  # wrong parent
        [{"id": tee["id"], "object": "product"}, {"id": "prod_gone", "object": "product"}],
    ):
        resp = await client.post("/v1/product-collections", json={"name": "n", "products": entries})
        assert resp.status_code == 400, (entries, resp.text)
    too_many = [{"id": tee["id"], "object": "product"}] * 21
    resp = await client.post("/v1/product-collections", json={"name": "n", "products": too_many})
    assert resp.status_code == 400
    both = {
        "name": "n",
        "products": [{"id": tee["id"], "object": "product"}],
        "type": "AUTO_UPDATE",
    }
    assert (await client.post("/v1/product-collections", json=both)).status_code == 400
    assert await _count(client) == 0


async def test_collections_belong_to_their_project(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    resp = await client.post(
        "/v1/product-collections",
        json={
            "name": "Mine",
            "filter": {"junction": "and", "name": {"conditions": {"$has_value": True}}},
        },
    )
    assert resp.status_code == 200
    assert (
        await anon_client.get(f"/v1/product-collections/{resp.json()['id']}")
    ).status_code == 401
