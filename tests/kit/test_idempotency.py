"""Idempotency keys on /v1 writes: a retry with its key learns the first outcome and changes
nothing (Stripe's semantics), on both engines, through the real app."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Backend
from tests.support import ProjectKeys, make_project
from voucherd.kit import idempotency
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.kit.idempotency import IdempotencyKey
from voucherd.projects import service as projects
from voucherd.worker import run_once


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def _code(client: httpx.AsyncClient, quantity: int | None) -> str:
    resp = await client.post(
        "/v1/vouchers",
        json={
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 100},
            "redemption": {"quantity": quantity},
        },
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


def _redeem(code: str, **extra: Any) -> dict[str, Any]:
    return {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 1000}, **extra}


async def _total(client: httpx.AsyncClient, path: str, **params: Any) -> int:
    resp = await client.get(path, params=params)
    assert resp.status_code == 200, resp.text
    return int(resp.json()["total"])


async def _key_rows(db: Database, project: ProjectKeys) -> list[IdempotencyKey]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(IdempotencyKey).where(IdempotencyKey.project_id == project.project_id)
        )
        return list(rows.scalars())


async def test_a_retry_replays_the_first_answer_byte_for_byte_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    body = {"name": "Ada", "email": "ada@example.com"}
    first = await client.post("/v1/customers", json=body, headers=keyed("cust-1"))
    assert first.status_code == 200, first.text
    assert "idempotent-replayed" not in first.headers
    again = await client.post("/v1/customers", json=body, headers=keyed("cust-1"))
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    # Without the key the same body creates a second customer: the key is what stopped it.
    assert await _total(client, "/v1/customers") == 1
    await client.post("/v1/customers", json=body)
    assert await _total(client, "/v1/customers") == 2


async def test_a_retried_redemption_redeems_once(client: httpx.AsyncClient) -> None:
    code = await _code(client, quantity=None)
    first = await client.post("/v1/redemptions", json=_redeem(code), headers=keyed("r-1"))
    assert first.status_code == 200, first.text
    for _ in range(3):
        again = await client.post("/v1/redemptions", json=_redeem(code), headers=keyed("r-1"))
        assert (again.status_code, again.content) == (200, first.content)
    assert await _total(client, "/v1/redemptions") == 1
    assert await _total(client, "/v1/orders") == 1
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 1


async def test_the_same_key_for_another_request_is_refused(client: httpx.AsyncClient) -> None:
    first = await client.post("/v1/customers", json={"name": "Ada"}, headers=keyed("k"))
    assert first.status_code == 200
    other_body = await client.post("/v1/customers", json={"name": "Bob"}, headers=keyed("k"))
    other_path = await client.post("/v1/products", json={"name": "Ada"}, headers=keyed("k"))
    for refused in (other_body, other_path):
        assert refused.status_code == 422, refused.text
        error = refused.json()
        assert error["key"] == "idempotency_key_reused"
        assert error["code"] == 422 and error["request_id"]
    assert await _total(client, "/v1/customers") == 1
    assert await _total(client, "/v1/products") == 0
    # The first answer is still there for a true retry.
    again = await client.post("/v1/customers", json={"name": "Ada"}, headers=keyed("k"))
    assert again.content == first.content


async def test_keys_are_per_api_key_and_per_project(
    client: httpx.AsyncClient, app: Any, db: Database, project: ProjectKeys
) -> None:
    async with db.transaction() as session:
        second = await projects.issue_key(session, kind="app", project_id=project.project_id)
    other_project = await make_project(db, "Other")
    transport = httpx.ASGITransport(app=app)
    body = {"name": "Ada"}
    answers = [(await client.post("/v1/customers", json=body, headers=keyed("shared"))).json()]
    for headers in (
        {"X-App-Id": second.key_id, "X-App-Token": second.token},
        other_project.headers,
    ):
        async with httpx.AsyncClient(
            transport=transport, base_url="http://voucherd.test", headers=headers
        ) as other:
            resp = await other.post("/v1/customers", json=body, headers=keyed("shared"))
            assert resp.status_code == 200, resp.text
            assert "idempotent-replayed" not in resp.headers
            answers.append(resp.json())
    assert len({a["id"] for a in answers}) == 3
    # Two customers in the first project (one per API key), one in the other.
    assert await _total(client, "/v1/customers") == 2


async def test_a_refusal_is_stored_and_replayed(client: httpx.AsyncClient) -> None:
    first = await client.post("/v1/vouchers/NOPE/enable", headers=keyed("e-1"))
    assert first.status_code == 404, first.text
    # The code now exists, but the key's answer stays the first one.
    await client.post(
        "/v1/vouchers",
        json={
            "code": "NOPE",
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 1},
        },
    )
    again = await client.post("/v1/vouchers/NOPE/enable", headers=keyed("e-1"))
    assert (again.status_code, again.content) == (404, first.content)
    assert again.headers["idempotent-replayed"] == "true"


async def test_a_refused_redemption_is_recorded_once_and_replayed(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    code = await _code(client, quantity=1)
    assert (await client.post("/v1/redemptions", json=_redeem(code))).status_code == 200
    first = await client.post("/v1/redemptions", json=_redeem(code), headers=keyed("late"))
    assert first.status_code == 400 and first.json()["key"] == "quantity_exceeded", first.text
    assert await _total(client, "/v1/redemptions", result="FAILURE") == 1
    for _ in range(2):
        again = await client.post("/v1/redemptions", json=_redeem(code), headers=keyed("late"))
        assert (again.status_code, again.content) == (400, first.content)
        assert again.headers["idempotent-replayed"] == "true"
    assert await _total(client, "/v1/redemptions", result="FAILURE") == 1
    assert await _total(client, "/v1/redemptions", result="SUCCESS") == 1
    rows = await _key_rows(db, project)
    assert [(r.key, r.status_code) for r in rows] == [("late", 400)]


async def test_a_stacked_refusal_undoes_the_part_that_succeeded(client: httpx.AsyncClient) -> None:
    # The first redeemable is applied, then the second is refused: with a key the refusal is
    # stored in the same unit of work, which must still not keep the first one's use.
    ok = await _code(client, quantity=None)
    used = await _code(client, quantity=1)
    assert (await client.post("/v1/redemptions", json=_redeem(used))).status_code == 200
    body = {
        "redeemables": [{"object": "voucher", "id": ok}, {"object": "voucher", "id": used}],
        "order": {"amount": 1000},
    }
    refused = await client.post("/v1/redemptions", json=body, headers=keyed("stack"))
    assert refused.status_code == 400, refused.text
    voucher = (await client.get(f"/v1/vouchers/{ok}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 0
    assert await _total(client, "/v1/orders") == 1


async def test_a_request_refused_by_validation_is_not_stored(client: httpx.AsyncClient) -> None:
    # Stripe: no endpoint ran, so nothing is saved; the corrected request may use the key.
    bad = await client.post("/v1/customers", json={"name": ["x"]}, headers=keyed("v"))
    assert bad.status_code == 400, bad.text
    good = await client.post("/v1/customers", json={"name": "Ada"}, headers=keyed("v"))
    assert good.status_code == 200, good.text
    assert "idempotent-replayed" not in good.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
async def test_a_malformed_key_is_refused(client: httpx.AsyncClient, key: str) -> None:
    resp = await client.post(
        "/v1/customers", json={"name": "Ada"}, headers=[("Idempotency-Key", key.encode())]
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["key"] == "invalid_idempotency_key"
    assert await _total(client, "/v1/customers") == 0


async def test_the_longest_printable_key_is_accepted(client: httpx.AsyncClient) -> None:
    key = "~ !" + "k" * 252
    first = await client.post("/v1/customers", json={"name": "Ada"}, headers=keyed(key))
    again = await client.post("/v1/customers", json={"name": "Ada"}, headers=keyed(key))
    assert first.status_code == 200 and again.content == first.content
    assert await _total(client, "/v1/customers") == 1


async def test_deletes_are_replayed_and_reads_ignore_the_key(client: httpx.AsyncClient) -> None:
    created = (await client.post("/v1/customers", json={"name": "Ada"})).json()
    first = await client.delete(f"/v1/customers/{created['id']}", headers=keyed("d"))
    again = await client.delete(f"/v1/customers/{created['id']}", headers=keyed("d"))
    assert first.status_code == again.status_code == 204
    assert again.headers["idempotent-replayed"] == "true"
    for _ in range(2):
        read = await client.get("/v1/customers", headers=keyed("d"))
        assert read.status_code == 200 and "idempotent-replayed" not in read.headers


async def test_keys_expire_after_24_hours(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    body = {"name": "Ada"}
    first = await client.post("/v1/customers", json=body, headers=keyed("day"))
    await client.post("/v1/customers", json=body, headers=keyed("old"))
    clock.advance(idempotency.TTL - timedelta(seconds=1))
    still = await client.post("/v1/customers", json=body, headers=keyed("day"))
    assert still.content == first.content
    clock.advance(timedelta(seconds=2))
    # Expired, not yet purged: the key is free, for this body or any other.
    later = await client.post("/v1/customers", json={"name": "Bob"}, headers=keyed("day"))
    assert later.status_code == 200 and "idempotent-replayed" not in later.headers
    assert later.json()["id"] != first.json()["id"]
    assert await _total(client, "/v1/customers") == 3
    # The purge job deletes the expired key and keeps the one answered again just now.
    assert (await run_once(db))["idempotency.purge_expired"] >= 1  # other tests' keys too
    assert [r.key for r in await _key_rows(db, project)] == ["day"]
    clock.advance(idempotency.TTL)
    assert (await run_once(db))["idempotency.purge_expired"] >= 1  # other tests' keys too
    assert await _key_rows(db, project) == []


async def test_concurrent_retries_redeem_once(client: httpx.AsyncClient, backend: Backend) -> None:
    """The same keyed redemption 20 times at once: one redemption; every other answer is the
    replay of it (SQLite: writers wait their turn) or 409 while it runs (PostgreSQL)."""
    code = await _code(client, quantity=None)
    responses = await asyncio.gather(
        *(
            client.post("/v1/redemptions", json=_redeem(code), headers=keyed("burst"))
            for _ in range(20)
        )
    )
    outcomes = Counter(
        "replayed" if r.headers.get("idempotent-replayed") else r.status_code for r in responses
    )
    assert outcomes[200] == 1, outcomes
    assert set(outcomes) <= {200, "replayed", 409}, outcomes
    if backend.name == "sqlite":
        assert outcomes["replayed"] == 19
    first = next(
        r for r in responses if r.status_code == 200 and "idempotent-replayed" not in r.headers
    )
    for r in responses:
        if r.status_code == 200:
            assert r.content == first.content
        else:
            assert r.json()["key"] == "idempotency_key_in_use"
    assert await _total(client, "/v1/redemptions") == 1
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 1
    # After the burst every retry replays.
    late = await client.post("/v1/redemptions", json=_redeem(code), headers=keyed("burst"))
    assert late.content == first.content and late.headers["idempotent-replayed"] == "true"


async def test_no_row_is_left_behind_by_a_refused_key(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await client.post("/v1/customers", json={"name": "Ada"}, headers=keyed("a"))
    await client.post("/v1/customers", json={"name": "Bob"}, headers=keyed("a"))  # 422
    await client.post("/v1/customers", json={"name": 1}, headers=keyed("b"))  # validation
    rows = await _key_rows(db, project)
    assert [(r.key, r.status_code) for r in rows] == [("a", 200)]


async def test_the_purge_deletes_in_bounded_batches(
    client: httpx.AsyncClient,
    db: Database,
    project: ProjectKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for i in range(5):
        await client.post("/v1/customers", json={"name": f"c{i}"}, headers=keyed(f"p{i}"))
    clock.advance(idempotency.TTL + timedelta(seconds=1))
    monkeypatch.setattr(idempotency, "PURGE_BATCH", 2)
    runs = []
    while deleted := await idempotency.purge_expired(db):
        runs.append(deleted)
    assert runs[0] == 2 and max(runs) == 2 and sum(runs) >= 5
    assert await _key_rows(db, project) == []
