"""Crash safety: a `voucherd worker` process killed with SIGKILL mid-import, then started
again. The rows committed before the kill are exactly those its committed position counts;
the second worker takes the action over when the lease runs out and finishes it; every row
is written exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT, Backend
from tests.imports.helpers import upload
from tests.support import ProjectKeys
from voucherd.async_actions.models import AsyncAction
from voucherd.kit.db import Database
from voucherd.vouchers.models import Voucher

ROWS = 30_000
LEASE_SECONDS = 2


def _start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VOUCHERD_DATABASE_URL": url,
        "VOUCHERD_ASYNC_ACTION_LEASE_SECONDS": str(LEASE_SECONDS),
        "VOUCHERD_LOG_LEVEL": "warning",
    }
    cmd = [sys.executable, "-m", "voucherd.cli", "worker"]
    with log.open("ab") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out)


async def _state(db: Database, action_id: str, project: ProjectKeys) -> tuple[str, int, int, int]:
    """(status, committed position, vouchers in the project, distinct codes)."""
    async with db.transaction(write=False) as session:
        action = await session.get(AsyncAction, action_id, populate_existing=True)
        assert action is not None
        count, distinct = (
            await session.execute(
                select(func.count(), func.count(func.distinct(Voucher.code))).where(
                    Voucher.project_id == project.project_id
                )
            )
        ).one()
        return action.status, action.position, int(count), int(distinct)


async def test_sigkilled_worker_mid_import_resumes_and_writes_each_row_once(
    client: httpx.AsyncClient,
    db: Database,
    backend: Backend,
    project: ProjectKeys,
    tmp_path: Path,
) -> None:
    if backend.name != "postgres":
        pytest.skip("the crash test runs against PostgreSQL (a worker process beside the tests)")
    csv = "Code,Value,Discount Type\n" + "".join(
        f"CRASH-{i:06d},{1 + i % 90},PERCENT\n" for i in range(ROWS)
    )
    action_id = await upload(client, "/v1/vouchers/importCSV", csv)
    log = tmp_path / "worker.log"

    first = _start_worker(backend.url, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            status, position, count, _ = await _state(db, action_id, project)
            if position > 0:
                break
            assert time.monotonic() < deadline, log.read_text()
            await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    status, position, count, distinct = await _state(db, action_id, project)
    assert 0 < position < ROWS, f"the worker finished before the kill ({position} rows)"
    assert status == "IN_PROGRESS"
    # What is committed is exactly what the position says: a killed chunk left nothing.
    assert (count, distinct) == (position, position)

    second = _start_worker(backend.url, log)
    try:
        deadline = time.monotonic() + 120
        while status != "DONE":
            assert time.monotonic() < deadline, log.read_text()
            await asyncio.sleep(0.1)
            status, position, count, distinct = await _state(db, action_id, project)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert (count, distinct) == (ROWS, ROWS)
    body = (await client.get(f"/v1/async-actions/{action_id}")).json()
    assert (body["result"]["done_count"], body["result"]["failed_count"]) == (ROWS, 0)
