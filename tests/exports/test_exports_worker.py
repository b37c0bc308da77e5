"""The export worker: claims are exclusive, a dead worker's export is taken over and
written once, a deleted export stops its run, and a run that fails ends as ERROR."""

from __future__ import annotations

import asyncio
import secrets

import httpx
import pytest
from sqlalchemy import select

from tests.exports.helpers import export_files, finished_rows, ok, run_exports
from voucherd.config import Settings
from voucherd.exports import repository, runner
from voucherd.exports.models import Export
from voucherd.kit.clock import clock, utcnow
from voucherd.kit.db import Database


@pytest.fixture(autouse=True)
async def _no_waiting_exports(db: Database, settings: Settings) -> None:
    """The worker serves every project: other tests' waiting exports are written first, so
    each test here claims only its own."""
    await run_exports(db, settings)


async def _state(db: Database, export_id: str) -> Export:
    async with db.transaction(write=False) as session:
        row = (await session.execute(select(Export).where(Export.id == export_id))).scalar_one()
        return row


async def _claim(db: Database) -> str | None:
    """Claim as a worker that then dies: the lease is taken, nothing is written."""
    now = utcnow()
    async with db.transaction() as session:
        export = await repository.claim_next(
            session,
            now=now,
            lease_until=now + runner.LEASE,
            token=secrets.token_hex(8),
            skip_locked=not db.is_sqlite,
        )
        return None if export is None else export.id


async def test_a_dead_workers_export_is_taken_over_after_its_lease(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    ok(await client.post("/v1/customers", json={"source_id": "only"}))
    created = ok(await client.post("/v1/exports", json={"exported_object": "customer"}))
    assert await _claim(db) == created["id"]
    assert ok(await client.get(f"/v1/exports/{created['id']}"))["status"] == "IN_PROGRESS"
    # While the lease lives nobody else takes it.
    assert await run_exports(db, settings) == 0
    clock.advance(runner.LEASE + runner.LEASE / 10)
    rows = await finished_rows(client, db, settings, created["id"])
    assert rows == [["name", "source_id"], ["", "only"]]
    assert (await _state(db, created["id"])).attempts == 2


async def test_concurrent_workers_claim_different_exports(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    ids = [
        ok(await client.post("/v1/exports", json={"exported_object": "order"}))["id"]
        for _ in range(6)
    ]
    claimed = await asyncio.gather(*(_claim(db) for _ in range(6)))
    assert sorted(c for c in claimed if c) == sorted(ids)
    for export_id in ids:
        assert (await _state(db, export_id)).attempts == 1
    # The worker is shared by every project: leave nothing claimed for the next test.
    clock.advance(runner.LEASE * 2)
    assert await run_exports(db, settings) == len(ids)


async def test_an_export_deleted_mid_run_leaves_no_file(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    for n in range(3):
        ok(await client.post("/v1/customers", json={"source_id": f"c-{n}"}))
    created = ok(await client.post("/v1/exports", json={"exported_object": "customer"}))
    real_renew = runner._renew
    deleted = False

    async def delete_then_renew(db_: Database, export_id: str, token: str) -> None:
        nonlocal deleted
        if not deleted:
            deleted = True
            assert (await client.delete(f"/v1/exports/{export_id}")).status_code == 204
        await real_renew(db_, export_id, token)

    runner._renew = delete_then_renew  # type: ignore[assignment]
    try:
        assert await runner.run_next(db, settings.data_dir) == 1
    finally:
        runner._renew = real_renew  # type: ignore[assignment]
    assert deleted
    assert export_files(settings, created["id"]) == []


async def test_an_export_that_cannot_be_written_ends_as_error(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    created = ok(await client.post("/v1/exports", json={"exported_object": "order"}))
    # A file stored before a field was withdrawn: the worker's check refuses it.
    async with db.transaction() as session:
        export = await session.get(Export, created["id"])
        assert export is not None
        export.parameters = {"fields": ["withdrawn"]}
    assert await run_exports(db, settings) == 1
    state = await _state(db, created["id"])
    assert state.status == "ERROR" and "withdrawn" in (state.error or "")
    got = ok(await client.get(f"/v1/exports/{created['id']}"))
    assert (got["status"], got["result"]) == ("ERROR", None)


async def test_an_export_that_keeps_killing_its_worker_ends_as_error(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    created = ok(await client.post("/v1/exports", json={"exported_object": "order"}))
    for _ in range(runner.MAX_ATTEMPTS):
        assert await _claim(db) == created["id"]
        clock.advance(runner.LEASE * 2)
    assert await run_exports(db, settings) == 1
    assert (await _state(db, created["id"])).status == "ERROR"
