"""Validation sessions lock the codes a request names and those its session holds through
indexes, never through the project's codes: a validation with a LOCK session and the
redemption that consumes it run in a project crowded with 10,000 codes, and every statement
that reads vouchers is checked with the database's EXPLAIN (SQLite: no scan of the table or
walk of `ix_vouchers_project_id`; PostgreSQL: at most a few hundred rows of it, of the 10,001)."""

from __future__ import annotations

import httpx

from tests.conftest import Backend
from tests.plans import analyze, assert_indexed, copy_voucher, statements
from voucherd.kit.db import Database

CROWD = 10_000


async def test_session_locks_read_the_named_codes_only(
    client: httpx.AsyncClient, db: Database, backend: Backend
) -> None:
    created = await client.post(
        "/v1/vouchers",
        json={"discount": {"type": "AMOUNT", "amount_off": 500}, "redemption": {"quantity": 1}},
    )
    assert created.status_code == 200, created.text
    code = created.json()["code"]
    await copy_voucher(db, code, "crowd", CROWD)
    await analyze(db, "vouchers")
    body = {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 10000}}

    with statements(db, "vouchers") as ran:
        locked = await client.post(
            "/v1/validations", json={**body, "session": {"type": "LOCK", "key": "cart-9"}}
        )
        assert locked.status_code == 200 and locked.json()["valid"], locked.text
        redeemed = await client.post(
            "/v1/redemptions", json={**body, "session": {"type": "LOCK", "key": "cart-9"}}
        )
        assert redeemed.status_code == 200, redeemed.text
    reads = [(sql, p) for sql, p in ran if sql.lstrip().upper().startswith("SELECT")]
    # The lock: the named codes and those the session holds.
    assert any("validation_sessions" in sql for sql, _ in reads), [s[:80] for s, _ in reads]
    await assert_indexed(db, ran, ("vouchers",), max_rows=300)  # of 10,001: by index
