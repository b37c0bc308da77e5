"""Bad input gets a 4xx in Voucherify's error format, never a 500, and writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import make_project
from voucherd.kit.db import Database

ERROR_KEYS = {"code", "key", "message", "details", "request_id"}


def assert_error(resp: httpx.Response, status: int, key: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = resp.json()
    assert body.keys() >= ERROR_KEYS
    assert body["code"] == status
    assert body["key"] == key
    assert isinstance(body["message"], str) and body["message"]
    assert body["request_id"].startswith("v-")
    return body


async def _count_customers(client: httpx.AsyncClient) -> int:
    return int((await client.get("/v1/customers")).json()["total"])


async def test_malformed_json_is_invalid_payload(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/customers", content=b'{"source_id": "x",', headers={"content-type": "application/json"}
    )
    body = assert_error(resp, 400, "invalid_payload")
    assert "JSON" in body["details"]
    assert await _count_customers(client) == 0


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/v1/customers", {"source_id": 12}, "source_id"),
        ("/v1/customers", {"metadata": "not-an-object"}, "metadata"),
        ("/v1/customers", {"birthdate": "yesterday"}, "birthdate"),
        ("/v1/orders", {"amount": "100"}, "amount"),
        ("/v1/orders", {"amount": 100.5}, "amount"),
        ("/v1/orders", {"amount": -1}, "amount"),
        ("/v1/orders", {"status": "SHIPPED"}, "status"),
        ("/v1/orders", {"items": [{"quantity": "2", "price": 10}]}, "items.0.quantity"),
        ("/v1/orders", {"items": [{"quantity": 1, "price": 9.99}]}, "items.0.price"),
        ("/v1/products", {"price": 12.0}, "price"),
    ],
)
async def test_wrong_types_are_refused_naming_the_field(
    client: httpx.AsyncClient, path: str, payload: dict[str, Any], field: str
) -> None:
    body = assert_error(await client.post(path, json=payload), 400, "invalid_payload")
    assert field in body["details"]


async def test_body_that_is_not_an_object_is_refused(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/v1/customers", json=[1, 2]), 400, "invalid_payload")


async def test_empty_json_body_reads_as_empty_object(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/orders", content=b"", headers={"content-type": "application/json"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["object"] == "order"


async def test_oversized_body_is_refused_before_parsing(client: httpx.AsyncClient) -> None:
    big = {"source_id": "big", "metadata": {"blob": "x" * 2_000_000}}
    assert_error(await client.post("/v1/customers", json=big), 413, "payload_too_large")
    assert await _count_customers(client) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/v1/customers/cust_nope",
        "/v1/orders/ord_nope",
        "/v1/products/prod_nope",
        "/v1/skus/sku_nope",
    ],
)
async def test_unknown_ids_are_not_found(client: httpx.AsyncClient, path: str) -> None:
    body = assert_error(await client.get(path), 404, "not_found")
    assert body["resource_id"] == path.rsplit("/", 1)[1]


async def test_unknown_customer_id_in_create_is_not_found(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/v1/customers", json={"id": "cust_nope"}), 404, "not_found")
    assert await _count_customers(client) == 0


async def test_unknown_route_and_method_use_the_error_format(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(await client.patch("/v1/customers"), 405, "method_not_allowed")


async def test_bad_query_params_are_invalid_query_params(client: httpx.AsyncClient) -> None:
    assert_error(
        await client.get("/v1/customers", params={"limit": 0}), 400, "invalid_query_params"
    )
    assert_error(
        await client.get("/v1/customers", params={"limit": "ten"}), 400, "invalid_query_params"
    )
    assert_error(
        await client.get("/v1/customers", params={"order": "name"}), 400, "invalid_query_params"
    )


async def test_missing_credentials_are_unauthorized(anon_client: httpx.AsyncClient) -> None:
    assert_error(await anon_client.get("/v1/customers"), 401, "unauthorized")
    assert_error(
        await anon_client.post("/v1/customers", json={"source_id": "x"}), 401, "unauthorized"
    )


async def test_wrong_token_is_unauthorized(
    anon_client: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    app_id = client.headers["X-App-Id"]
    resp = await anon_client.get(
        "/v1/customers", headers={"X-App-Id": app_id, "X-App-Token": "wrong"}
    )
    assert_error(resp, 401, "unauthorized")


async def test_management_api_needs_management_keys(
    anon_client: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    # App keys are not management keys.
    resp = await anon_client.get(
        "/management/v1/projects",
        headers={
            "X-Management-Id": client.headers["X-App-Id"],
            "X-Management-Token": client.headers["X-App-Token"],
        },
    )
    assert_error(resp, 401, "unauthorized")


async def test_one_projects_keys_never_see_another_projects_data(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, db: Database
) -> None:
    customer = (await client.post("/v1/customers", json={"source_id": "mine"})).json()
    order = (await client.post("/v1/orders", json={"amount": 5})).json()
    other = await make_project(db, "Other")
    headers = other.headers
    for path in (
        f"/v1/customers/{customer['id']}",
        "/v1/customers/mine",
        f"/v1/orders/{order['id']}",
    ):
        assert_error(await anon_client.get(path, headers=headers), 404, "not_found")
    resp = await anon_client.put(
        f"/v1/customers/{customer['id']}", json={"name": "hijack"}, headers=headers
    )
    assert_error(resp, 404, "not_found")
    listing = (await anon_client.get("/v1/customers", headers=headers)).json()
    assert listing["total"] == 0
    # The same source_id is free in another project: projects are separate namespaces.
    mine_elsewhere = await anon_client.post(
        "/v1/customers", json={"source_id": "mine"}, headers=headers
    )
    assert mine_elsewhere.json()["id"] != customer["id"]
    assert (await client.get("/v1/customers/mine")).json()["name"] is None
