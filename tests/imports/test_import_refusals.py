"""Inputs refused as a whole: a clear 4xx before anything is enqueued."""

from __future__ import annotations

import httpx
import pytest

from tests.imports.helpers import upload

TEN_MIB = 10 * 1024 * 1024


async def _no_action_queued(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/v1/async-actions")).json()
    assert listed["async_actions"] == []


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("Code,Value\nA,1\n".encode("utf-16"), "not UTF-8"),
        (b"Code,Value\n\xff\xfeA,1\n", "not UTF-8"),
        ("Code,Name\nA,caf\u00e9\n".encode("latin-1"), "not UTF-8"),
        (b"Code,Value\nA,\x00\n", "NUL"),
        (b'Code,Value\nA,"unterminated\n', "Malformed CSV"),
        (b"Code,Value\nA,1,extra\n", "Line 2 has 3 fields"),
        (b"Code,Code\nA,B\n", "appears twice"),
        (b"", "empty"),
        (b"Code\n", "no rows"),
        (b"Value,Name\n1,x\n", "lacks the required column(s): Code"),
    ],
)
async def test_unreadable_csv_is_400_and_nothing_is_queued(
    client: httpx.AsyncClient, content: bytes, detail: str
) -> None:
    r = await client.post("/v1/vouchers/importCSV", files={"file": ("v.csv", content, "text/csv")})
    assert r.status_code == 400, r.text
    assert r.json()["key"] == "invalid_payload"
    assert detail in r.json()["details"]
    await _no_action_queued(client)


async def test_upload_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    big = b"Code\n" + b"X" * (TEN_MIB + 1)
    r = await client.post("/v1/customers/importCSV", files={"file": ("c.csv", big, "text/csv")})
    assert r.status_code == 413, r.text
    assert r.json()["code"] == 413
    await _no_action_queued(client)


async def test_a_file_just_under_the_limit_is_taken(client: httpx.AsyncClient) -> None:
    # The limit is on the file, not the 1 MB of ordinary bodies.
    # (A field is bounded too: the csv module's 128 KiB.)
    content = "Code,Note\n" + "".join(f"BIG-{i}," + "n" * 100_000 + "\n" for i in range(12))
    assert 1_048_576 < len(content) < TEN_MIB
    await upload(client, "/v1/vouchers/importCSV", content)


async def test_missing_file_or_json_instead_of_a_file_is_400(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/vouchers/importCSV", json={"file": "Code\nA\n"})
    assert r.status_code == 400, r.text
    r = await client.post("/v1/vouchers/importCSV", data={"webhooks_enable": "true"})
    assert r.status_code == 400, r.text
    await _no_action_queued(client)


async def test_json_imports_refuse_what_is_not_an_array_of_objects(
    client: httpx.AsyncClient,
) -> None:
    for body in ({"code": "A"}, [], [1, 2]):
        r = await client.post("/v1/vouchers/import", json=body)
        assert r.status_code == 400, (body, r.text)
    r = await client.post("/v1/orders/import", json=[{"source_id": f"o{i}"} for i in range(2001)])
    assert r.status_code == 400
    await _no_action_queued(client)
