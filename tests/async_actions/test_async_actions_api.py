"""`/v1/async-actions`: list and get, status transitions, and the lease that lets a second
worker take over a dead one's action without writing any row twice."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from tests.imports.helpers import finish, upload
from tests.support import ProjectKeys
from voucherd.async_actions import runner
from voucherd.async_actions import service as async_actions
from voucherd.async_actions.runner import ActionInput, ActionInputError
from voucherd.config import get_settings
from voucherd.imports.service import VOUCHER_CHUNK
from voucherd.kit.clock import clock
from voucherd.kit.context import RequestContext
from voucherd.kit.db import Database
from voucherd.vouchers.models import Voucher

LEASE = timedelta(seconds=get_settings().async_action_lease_seconds)


def _codes_csv(count: int, prefix: str) -> str:
    rows = "".join(f"{prefix}{i:06d},{10 + i % 50},PERCENT\n" for i in range(count))
    return "Code,Value,Discount Type\n" + rows


async def _count_codes(db: Database, project: ProjectKeys, prefix: str) -> tuple[int, int]:
    """(vouchers with the prefix, distinct codes among them)."""
    async with db.transaction(write=False) as session:
        stmt = select(func.count(), func.count(func.distinct(Voucher.code))).where(
            Voucher.project_id == project.project_id, Voucher.code.like(f"{prefix}%")
        )
        total, distinct = (await session.execute(stmt)).one()
    return int(total), int(distinct)


async def test_list_is_newest_first_without_result_and_pages_with_has_more(
    client: httpx.AsyncClient,
) -> None:
    ids = [await upload(client, "/v1/customers/importCSV", f"Name\nN{i}\n") for i in range(3)]
    listed = (await client.get("/v1/async-actions", params={"limit": 2})).json()
    assert (listed["object"], listed["data_ref"], listed["has_more"]) == (
        "list",
        "async_actions",
        True,
    )
    assert [a["id"] for a in listed["async_actions"]] == ids[::-1][:2]
    assert all("result" not in a for a in listed["async_actions"])
    assert listed["async_actions"][0]["object"] == "async_action"
    full = (await client.get("/v1/async-actions")).json()
    assert (len(full["async_actions"]), full["has_more"]) == (3, False)
    first = (await client.get(f"/v1/async-actions/{ids[0]}")).json()
    early = (await client.get("/v1/async-actions", params={"end_date": first["created_at"]})).json()
    assert [a["id"] for a in early["async_actions"]] == [ids[0]]
    assert (await client.get("/v1/async-actions", params={"end_date": "soon"})).status_code == 400
    missing = await client.get("/v1/async-actions/aa_missing")
    assert (missing.status_code, missing.json()["key"]) == (404, "not_found")


async def test_status_goes_enqueued_in_progress_done_with_progress(
    client: httpx.AsyncClient, db: Database
) -> None:
    await runner.run_until_idle(db)  # earlier tests' actions: this test claims the next one
    action_id = await upload(client, "/v1/vouchers/importCSV", _codes_csv(5_000, "ST"))
    queued = (await client.get(f"/v1/async-actions/{action_id}")).json()
    assert (queued["status"], queued["progress"]) == ("ENQUEUED", 0)
    assert "operation_status" not in queued

    action = await runner.claim(db, "worker-a")
    assert action is not None and action.id == action_id
    work = runner.work_for(action)
    step = await runner.run_chunk(db, action, work, "worker-a", 0, release=False)
    assert step is not None and step.position == VOUCHER_CHUNK
    running = (await client.get(f"/v1/async-actions/{action_id}")).json()
    assert running["status"] == "IN_PROGRESS"
    assert running["progress"] == VOUCHER_CHUNK * 100 // 5_000
    assert running["result"]["done_count"] == VOUCHER_CHUNK

    clock.advance(LEASE + timedelta(seconds=1))  # worker-a is gone; anyone may resume
    done = await finish(client, db, action_id)
    assert (done["progress"], done["operation_status"]) == (100, "SUCCESS")
    assert done["result"]["done_count"] == 5_000
    assert isinstance(done["processing_time"], int)


async def test_a_worker_whose_lease_was_taken_over_writes_nothing_and_rows_land_once(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await runner.run_until_idle(db)  # earlier tests' actions: this test claims the next one
    action_id = await upload(client, "/v1/vouchers/importCSV", _codes_csv(5_000, "TK"))
    slow = await runner.claim(db, "slow-worker")
    assert slow is not None and slow.id == action_id
    work = runner.work_for(slow)
    assert await runner.run_chunk(db, slow, work, "slow-worker", 0, release=False) is not None

    # The slow worker stalls past its lease; another worker takes over from the committed
    # position and finishes the import.
    clock.advance(LEASE + timedelta(seconds=1))
    taker = await runner.claim(db, "taker")
    assert taker is not None and (taker.id, taker.position) == (action_id, VOUCHER_CHUNK)
    position = taker.position
    while position < work.total:
        step = await runner.run_chunk(db, taker, work, "taker", position, release=False)
        assert step is not None
        position = step.position

    # The slow worker wakes up and tries its next chunk: refused, nothing written.
    late = await runner.run_chunk(db, slow, work, "slow-worker", VOUCHER_CHUNK, release=False)
    assert late is None
    done = (await client.get(f"/v1/async-actions/{action_id}")).json()
    assert done["status"] == "DONE"
    assert (done["result"]["done_count"], done["result"]["failed_count"]) == (5_000, 0)
    assert await _count_codes(db, project, "TK") == (5_000, 5_000)


async def test_an_action_that_cannot_run_ends_failed_with_the_reason(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    def refuse(action: ActionInput) -> runner.Work:
        raise ActionInputError("cannot read this input")

    runner.register_kind("TEST.REFUSED", refuse, lambda done, failed: "")
    ctx = RequestContext(project_id=project.project_id, request_id="req-1")
    async with db.transaction() as session:
        action = await async_actions.enqueue(session, ctx, "TEST.REFUSED", [1, 2])
    await runner.run_until_idle(db)
    body = (await client.get(f"/v1/async-actions/{action.id}")).json()
    assert (body["status"], body["operation_status"]) == ("FAILED", "FAILED")
    assert body["result"]["message"] == "cannot read this input"
    assert body["request_id"] == "req-1"


async def test_a_small_job_queued_behind_a_long_import_runs_in_the_next_slice(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await runner.run_until_idle(db)
    monkeypatch.setattr(runner, "SLICE_SECONDS", 0.0)  # every slice is one chunk
    long_id = await upload(client, "/v1/vouchers/importCSV", _codes_csv(5_000, "RR"))
    short_id = await upload(client, "/v1/customers/importCSV", "Name\nShort\n")

    assert await runner.run_one(db) == 1  # the long import's first chunk, then handed back
    assert await runner.run_one(db) == 1  # the short job, never served, goes next
    short = (await client.get(f"/v1/async-actions/{short_id}")).json()
    long = (await client.get(f"/v1/async-actions/{long_id}")).json()
    assert short["status"] == "DONE"
    assert (long["status"], long["result"]["done_count"]) == ("IN_PROGRESS", VOUCHER_CHUNK)
    await runner.run_until_idle(db)
    assert (await client.get(f"/v1/async-actions/{long_id}")).json()["status"] == "DONE"
