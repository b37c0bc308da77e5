"""The `import` row of `make bench`: 100,000 vouchers from one CSV upload, timed from the
upload until the async action is DONE (`voucherd worker` in its own process does the work),
and checked in the database afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.server import Server, _voucherd_command, ok

POLL_SECONDS = 0.1
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class ImportRun:
    rows: int
    seconds: float  # upload to DONE
    upload_seconds: float  # the POST alone (the file is read and checked before it is queued)
    # CPU the worker process used: on a shared (loaded) machine the wall time says more
    # about the neighbours than about voucherd.
    worker_cpu_seconds: float | None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def vouchers_csv(rows: int) -> bytes:
    """Standalone discount codes with a category and a metadata column, as shops export them."""
    lines = ["Code,Voucher Type,Value,Discount Type,Category,Expiration Date,Shop"]
    lines += [
        f"IMP-{i:07d},DISCOUNT_VOUCHER,{5 + i % 40},PERCENT,bench,2031-12-31,shop-{i % 7}"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def _spawn_worker(database_url: str, workdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VOUCHERD_DATABASE_URL": database_url, "VOUCHERD_LOG_LEVEL": "warning"}
    with (workdir / "import-worker.log").open("wb") as log:
        return subprocess.Popen(
            [*_voucherd_command(), "worker"], env=env, cwd=workdir, stdout=log, stderr=log
        )


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a live process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def running_worker(server: Server, workdir: Path) -> AsyncIterator[subprocess.Popen[bytes]]:
    proc = _spawn_worker(server.database_url, workdir)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def measure_import(
    server: Server, client: httpx.AsyncClient, workdir: Path, rows: int
) -> ImportRun:
    data = vouchers_csv(rows)
    await client.get("/health")  # the connection is open before the clock starts
    async with running_worker(server, workdir) as worker:
        started = time.perf_counter()
        resp = await client.post(
            "/v1/vouchers/importCSV", files={"file": ("vouchers.csv", data, "text/csv")}
        )
        uploaded = time.perf_counter() - started
        if resp.status_code != 202:  # ok() takes 200 only
            raise RuntimeError(f"import vouchers: HTTP {resp.status_code} {resp.text[:500]}")
        action_id = resp.json()["async_action_id"]
        while True:
            action = ok(await client.get(f"/v1/async-actions/{action_id}"), "get async action")
            if action["status"] in ("DONE", "FAILED"):
                break
            if time.perf_counter() - started > TIMEOUT_SECONDS:
                raise RuntimeError(f"import not done after {TIMEOUT_SECONDS} s: {action}")
            await asyncio.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - started
        worker_cpu = cpu_seconds(worker.pid)
    result = action.get("result") or {}
    [stored] = await server.column("SELECT count(*) FROM vouchers WHERE code LIKE 'IMP-%'")
    if action["status"] != "DONE" or result.get("done_count") != rows or stored != rows:
        raise RuntimeError(
            f"imported {rows} rows: status {action['status']}, done_count "
            f"{result.get('done_count')}, {stored} stored; {result.get('message')}"
        )
    return ImportRun(rows, seconds, uploaded, worker_cpu)
