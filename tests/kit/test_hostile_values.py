"""Values no engine can store are refused at the edge with a 400, before any handler, and
change nothing (they answered 500: orjson cannot encode them, PostgreSQL cannot hold NUL)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.kit.test_bad_input import assert_error
from tests.support import SPRING_CAMPAIGN
from voucherd.kit.payload import MAX_DEPTH
from voucherd.kit.responses import JsonResponse

# What each resource is created with, and where its list says how many there are.
CREATES: dict[str, tuple[str, dict[str, Any], str]] = {
    "customer": ("/v1/customers", {"source_id": "c1"}, "/v1/customers"),
    "product": ("/v1/products", {"source_id": "p1", "price": 100}, "/v1/products"),
    "order": ("/v1/orders", {"amount": 1000}, "/v1/orders"),
    "voucher": (
        "/v1/vouchers",
        {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}},
        "/v1/vouchers",
    ),
    "campaign": ("/v1/campaigns", {**SPRING_CAMPAIGN, "vouchers_count": 1}, "/v1/campaigns"),
}


def _nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = {"k": value}
    return value


# Raw JSON text: httpx's own encoder cannot even write a lone surrogate.
HOSTILE_METADATA = {
    "int_beyond_64_bits": '{"big": 18446744073709551616}',
    "negative_int_beyond_64_bits": '{"big": -9223372036854775809}',
    "lone_surrogate": '{"s": "\\ud800"}',
    "lone_surrogate_key": '{"\\udfff": 1}',
    "nested_256_levels": json.dumps(_nested(256)),
    "nan": '{"n": NaN}',
    "float_overflow": '{"f": 1e400}',
    "nul_in_value": '{"s": "a\\u0000b"}',
    "nul_in_key": '{"a\\u0000b": 1}',
}


async def _total(client: httpx.AsyncClient, path: str) -> int:
    resp = await client.get(path)
    assert resp.status_code == 200, resp.text
    return int(resp.json()["total"])


def _raw(payload: dict[str, Any], metadata_json: str) -> bytes:
    text = json.dumps(payload)
    return (text[:-1] + (", " if payload else "") + f'"metadata": {metadata_json}}}').encode()


@pytest.mark.parametrize("resource", sorted(CREATES))
@pytest.mark.parametrize("case", sorted(HOSTILE_METADATA))
async def test_unstorable_metadata_is_refused_and_creates_nothing(
    client: httpx.AsyncClient, resource: str, case: str
) -> None:
    path, payload, listing = CREATES[resource]
    resp = await client.post(
        path,
        content=_raw(payload, HOSTILE_METADATA[case]),
        headers={"content-type": "application/json"},
    )
    body = assert_error(resp, 400, "invalid_payload")
    assert body["details"].startswith("body")
    assert await _total(client, listing) == 0


@pytest.mark.parametrize("resource", sorted(CREATES))
async def test_metadata_at_the_limits_is_stored_and_echoed(
    client: httpx.AsyncClient, resource: str
) -> None:
    path, payload, _ = CREATES[resource]
    metadata = {
        "max": 2**63 - 1,
        "min": -(2**63),
        "deep": _nested(MAX_DEPTH - 2),  # body -> metadata -> deep: MAX_DEPTH levels in all
        "text": "snowman \u2603, emoji \U0001f600",
    }
    resp = await client.post(path, json={**payload, "metadata": metadata})
    assert resp.status_code == 200, resp.text
    assert resp.json()["metadata"] == metadata


async def test_one_level_past_the_limit_is_refused(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/customers", json={"metadata": {"deep": _nested(MAX_DEPTH - 1)}})
    body = assert_error(resp, 400, "invalid_payload")
    assert f"deeper than {MAX_DEPTH}" in body["details"]


async def test_malformed_json_keeps_its_message(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/customers", content=b'{"name": "x"', headers={"content-type": "application/json"}
    )
    assert "Malformed JSON" in assert_error(resp, 400, "invalid_payload")["details"]


async def test_nul_in_a_body_string_is_refused(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/customers", json={"source_id": "c1", "name": "a\x00b"})
    body = assert_error(resp, 400, "invalid_payload")
    assert "body.name" in body["details"] and "NUL" in body["details"]
    assert await _total(client, "/v1/customers") == 0


async def test_a_body_that_is_not_utf8_is_refused(client: httpx.AsyncClient) -> None:
    # Found by the fuzz suite once the edge parsed bodies itself: json.loads raised
    # UnicodeDecodeError (not a JSONDecodeError), which answered 500.
    resp = await client.post(
        "/v1/customers",
        content=b'{"source_id": "\x8e\xff"}',
        headers={"Content-Type": "application/json"},
    )
    assert "UTF-8" in assert_error(resp, 400, "invalid_payload")["details"]
    assert await _total(client, "/v1/customers") == 0


async def test_nul_in_a_metadata_key_is_refused(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/customers", json={"metadata": {"a\x00b": 1}})
    assert "NUL" in assert_error(resp, 400, "invalid_payload")["details"]
    assert await _total(client, "/v1/customers") == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/customers/a%00b"),
        ("DELETE", "/v1/customers/a%00b"),
        ("PUT", "/v1/customers/a%00b"),
        ("GET", "/v1/vouchers/CODE%00"),
        ("POST", "/v1/redemptions/r%00/rollback"),
    ],
)
async def test_nul_in_a_path_id_is_refused(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    resp = await client.request(method, path, json={} if method in ("PUT", "POST") else None)
    body = assert_error(resp, 400, "invalid_query_params")
    assert "NUL" in body["details"]


@pytest.mark.parametrize(
    "url",
    ["/v1/redemptions?customer=a%00b", "/v1/customers?email=x%00", "/v1/customers?a%00=1"],
)
async def test_nul_in_a_query_string_is_refused(client: httpx.AsyncClient, url: str) -> None:
    body = assert_error(await client.get(url), 400, "invalid_query_params")
    assert "NUL" in body["details"]


@pytest.mark.parametrize(
    "value",
    [2**64, -(2**63) - 1, "\ud800", _nested(300)],
    ids=["int_beyond_64_bits", "negative_int_beyond_64_bits", "lone_surrogate", "nested_300"],
)
def test_a_response_always_encodes_what_json_can_carry(value: Any) -> None:
    """Values stored before the edge refused them still answer (orjson refuses them)."""
    content = {"metadata": {"v": value}}
    rendered = JsonResponse(content).body
    assert json.loads(rendered) == content


def test_a_response_still_refuses_non_json_types() -> None:
    with pytest.raises(TypeError):
        JsonResponse({"amount": Decimal("1.5")})
