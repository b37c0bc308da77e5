"""API conventions that hold everywhere: ids, timestamps, money types, health, docs."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from decimal import Decimal

import httpx

from voucherd.kit.ids import new_id
from voucherd.kit.money import percent_of, round_half_up
from voucherd.kit.timefmt import iso

ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_ids_carry_prefix_and_sort_by_creation() -> None:
    first = new_id("cust")
    time.sleep(0.002)
    second = new_id("cust")
    assert first.startswith("cust_") and len(first) == len("cust_") + 26
    assert first < second


def test_ids_made_in_one_millisecond_still_sort_by_creation() -> None:
    # Thousands of ids share a millisecond; events of one request must list in order.
    ids = [new_id("evcus") for _ in range(20_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_timestamps_are_utc_with_milliseconds_and_z() -> None:
    assert iso(datetime(2024, 3, 13, 17, 35, 58, 482999, tzinfo=UTC)) == "2024-03-13T17:35:58.482Z"


def test_percent_is_rounded_half_up_to_cents() -> None:
    assert percent_of(11499, Decimal(10)) == 1150
    assert round_half_up(Decimal("0.5")) == 1
    assert round_half_up(Decimal("-0.5")) == -1
    assert round_half_up(Decimal("2.49")) == 2


async def test_money_in_responses_is_json_integers(client: httpx.AsyncClient) -> None:
    order = await client.post(
        "/v1/orders", json={"items": [{"source_id": "a", "quantity": 3, "price": 333}]}
    )
    raw = order.text
    assert '"amount":999' in raw
    assert not re.search(r'"(amount|price|total_amount)":\d+\.\d', raw)
    assert ISO_MS_Z.match(order.json()["created_at"])


async def test_sdk_style_datetimes_are_accepted(client: httpx.AsyncClient) -> None:
    # The SDK sends isoformat(): an offset or no zone at all, never Z.
    for stamp in (
        "2024-03-13T17:35:58.482000+00:00",
        "2024-03-13T17:35:58",
        "2024-03-13T17:35:58Z",
    ):
        resp = await client.post("/v1/orders", json={"amount": 1, "created_at": stamp})
        assert resp.status_code == 200, resp.text
        assert resp.json()["created_at"].startswith("2024-03-13T17:35:58")


async def test_health_checks_the_database(anon_client: httpx.AsyncClient) -> None:
    body = (await anon_client.get("/health")).json()
    assert body["status"] == "ok"


async def test_openapi_describes_the_real_models(anon_client: httpx.AsyncClient) -> None:
    spec = (await anon_client.get("/openapi.json")).json()
    assert "/v1/customers" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert {"CustomerOut", "OrderOut", "ProductOut", "CustomerCreate", "OrderCreate"} <= set(
        schemas
    )
    assert (await anon_client.get("/docs")).status_code == 200
