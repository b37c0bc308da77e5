"""Products and SKUs over HTTP."""

from __future__ import annotations

import httpx

from voucherd.products.schemas import ProductOut, ProductsListOut, SkuOut


async def test_create_product_and_upsert_by_source_id(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/products",
        json={
            "source_id": "shoe",
            "name": "Shoe",
            "price": 7999,
            "attributes": ["size"],
            "metadata": {"brand": "X"},
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    ProductOut.model_validate(body)
    assert body["id"].startswith("prod_") and body["price"] == 7999
    again = (await client.post("/v1/products", json={"source_id": "shoe", "price": 6999})).json()
    assert again["id"] == body["id"] and again["price"] == 6999 and again["name"] == "Shoe"


async def test_skus_belong_to_their_product(client: httpx.AsyncClient) -> None:
    product = (await client.post("/v1/products", json={"source_id": "tee", "price": 100})).json()
    sku = await client.post(
        f"/v1/products/{product['id']}/skus",
        json={"source_id": "tee-l", "sku": "L", "price": 120, "attributes": {"size": "L"}},
    )
    assert sku.status_code == 200, sku.text
    SkuOut.model_validate(sku.json())
    assert sku.json()["id"].startswith("sku_")
    assert sku.json()["product_id"] == product["id"]
    fetched = (await client.get(f"/v1/products/{product['id']}")).json()
    assert [s["id"] for s in fetched["skus"]["data"]] == [sku.json()["id"]]
    assert (await client.get("/v1/skus/tee-l")).json()["price"] == 120
    other = (await client.post("/v1/products", json={"source_id": "mug"})).json()
    clash = await client.post(f"/v1/products/{other['id']}/skus", json={"source_id": "tee-l"})
    assert clash.status_code == 409


async def test_update_and_delete_product(client: httpx.AsyncClient) -> None:
    product = (await client.post("/v1/products", json={"source_id": "del"})).json()
    updated = await client.put(f"/v1/products/{product['id']}", json={"name": "Renamed"})
    assert updated.json()["name"] == "Renamed"
    assert (await client.delete("/v1/products/del")).status_code == 204
    assert (await client.get(f"/v1/products/{product['id']}")).status_code == 404


async def test_list_products(client: httpx.AsyncClient) -> None:
    for i in range(3):
        await client.post("/v1/products", json={"source_id": f"p{i}"})
    body = (await client.get("/v1/products")).json()
    ProductsListOut.model_validate(body)
    assert body["total"] == 3 and body["data_ref"] == "products"


async def test_product_price_must_be_integer_cents(client: httpx.AsyncClient) -> None:
    for bad in (10.5, "100", -1, True):
        resp = await client.post("/v1/products", json={"source_id": "p", "price": bad})
        assert resp.status_code == 400, (bad, resp.text)
        assert resp.json()["key"] == "invalid_payload"
    assert (await client.get("/v1/products")).json()["total"] == 0
