"""Crash safety of webhook delivery: SIGKILL `voucherd serve` mid-flight, restart it, and
check that every committed event reached the receiver at least once.

    .venv/bin/python -m bench.webhook_crash                      # temporary SQLite database
    .venv/bin/python -m bench.webhook_crash --database-url postgresql://postgres@127.0.0.1/db

The server (API + embedded worker, one process) records `customer.order.paid` for every
`POST /v1/orders` with status PAID; a webhook subscribed to it points at a local receiver that
counts unique `whs_` ids. (Redemption events were not available yet; orders are a real event
flow through the same outbox.) While orders stream in and deliveries are in flight, the
server is killed with SIGKILL, then started again. The committed events are read from the
database afterwards; the script fails if any of them never reached the receiver.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.webhook_receiver import CountingReceiver, free_port
from voucherd.events.models import Event
from voucherd.kit.db import Database
from voucherd.projects import repository as projects
from voucherd.webhooks.models import WebhookSendout

APP = {"X-App-Id": "crash-app", "X-App-Token": "crash-app-token"}
MANAGEMENT = {"X-Management-Id": "crash-mgmt", "X-Management-Token": "crash-mgmt-token"}
EVENT = "customer.order.paid"


def start_server(url: str, port: int, log: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VOUCHERD_DATABASE_URL": url,
        "VOUCHERD_APP_ID": APP["X-App-Id"],
        "VOUCHERD_APP_TOKEN": APP["X-App-Token"],
        "VOUCHERD_MANAGEMENT_ID": MANAGEMENT["X-Management-Id"],
        "VOUCHERD_MANAGEMENT_TOKEN": MANAGEMENT["X-Management-Token"],
        "VOUCHERD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        # Short timeout and lease: the restarted server takes over the dead one's endpoint
        # once the lease runs out, so this keeps the script quick.
        "VOUCHERD_WEBHOOK_TIMEOUT_SECONDS": "1",
        "VOUCHERD_WEBHOOK_LEASE_SECONDS": "3",
        "VOUCHERD_LOG_LEVEL": "warning",
    }
    cmd = [sys.executable, "-m", "voucherd.cli", "serve", "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=log)


async def wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError("server exited during start; see the log")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/health")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not become healthy")


async def subscribe(base: str, target: str, url: str) -> tuple[str, str]:
    """Subscribe the receiver in the default project (the one the App key acts for)."""
    db = Database(url)
    try:
        async with db.transaction(write=False) as session:
            project = await projects.get_default_project(session)
    finally:
        await db.dispose()
    assert project is not None
    async with httpx.AsyncClient(base_url=base, headers=MANAGEMENT) as client:
        resp = await client.post(
            f"/management/v1/projects/{project.id}/webhooks",
            json={"target_url": target, "events": [EVENT]},
        )
        resp.raise_for_status()
        return project.id, str(resp.json()["id"])


async def produce(base: str, count: int, stop: asyncio.Event, acked: list[str]) -> None:
    """Post paid orders, a few at a time, until `count` or until the server goes away."""
    async with httpx.AsyncClient(base_url=base, headers=APP, timeout=10) as client:

        async def one(i: int) -> None:
            with contextlib.suppress(httpx.HTTPError):
                resp = await client.post(
                    "/v1/orders",
                    json={
                        "source_id": f"crash-{time.time_ns()}-{i}",
                        "status": "PAID",
                        "amount": 100,
                    },
                )
                if resp.status_code == 200:
                    acked.append(resp.json()["id"])

        i = 0
        while i < count and not stop.is_set():
            await asyncio.gather(*(one(i + k) for k in range(4)))
            i += 4


async def committed_events(db: Database, project_id: str, since: datetime) -> set[str]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(Event.id).where(
                Event.project_id == project_id, Event.type == EVENT, Event.created_at >= since
            )
        )
        return set(rows.scalars())


async def sendout_states(db: Database, endpoint_id: str) -> dict[str, int]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(WebhookSendout.status, func.count())
            .where(WebhookSendout.endpoint_id == endpoint_id)
            .group_by(WebhookSendout.status)
        )
        return {str(status): int(n) for status, n in rows.all()}


async def run(url: str, events: int, kill_after: int, log_path: Path) -> bool:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with CountingReceiver(delay=0.01) as receiver, log_path.open("ab") as log:
        server = start_server(url, port, log)
        await wait_healthy(base, server)
        project_id, endpoint_id = await subscribe(base, receiver.url, url)
        since = datetime.now(UTC)
        acked: list[str] = []
        stop = asyncio.Event()
        producer = asyncio.create_task(produce(base, events, stop, acked))
        # Poll the receiver (it counts in its own thread) until enough was delivered.
        while len(receiver.counts.ids) < kill_after and not producer.done():  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        in_flight = receiver.counts.in_flight
        server.send_signal(signal.SIGKILL)
        server.wait()
        killed_at = time.monotonic()
        stop.set()
        await producer
        seen_at_kill = len(receiver.counts.ids)
        print(
            f"SIGKILL after {seen_at_kill} deliveries; {len(acked)} orders acknowledged, "
            f"{in_flight} request(s) in flight at the receiver"
        )

        server = start_server(url, port, log)
        try:
            await wait_healthy(base, server)
            # The stream goes on after the restart.
            more: list[str] = []
            await produce(base, events // 4, asyncio.Event(), more)
            db = Database(url)
            try:
                committed = await committed_events(db, project_id, since)
                deadline = time.monotonic() + 60
                while not committed <= receiver.counts.event_ids:
                    if time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.1)
                states = await sendout_states(db, endpoint_id)
            finally:
                await db.dispose()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    c = receiver.counts
    missing = committed - c.event_ids
    print(f"committed {EVENT} events:        {len(committed)}")
    print(f"acknowledged to the client (200):   {len(acked) + len(more)}")
    print(f"unique whs_ ids at the receiver:    {len(c.ids)}")
    print(f"requests at the receiver:           {c.requests} ({c.requests - len(c.ids)} repeats)")
    print(f"send-outs by status:                {states}")
    print(f"recovered {time.monotonic() - killed_at:.1f}s after the kill")
    print(f"MISSING: {len(missing)}" if missing else "none lost: every committed event arrived")
    return not missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a new temporary SQLite file")
    parser.add_argument("--events", type=int, default=2000, help="orders to post at most")
    parser.add_argument("--kill-after", type=int, default=100, help="deliveries before SIGKILL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/crash.sqlite3"
        log = Path(tmp) / "server.log"
        ok = asyncio.run(run(url, args.events, args.kill_after, log))
        if not ok:
            print(log.read_text()[-4000:])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
