"""Webhook delivery throughput: voucherd's worker vs a bare aiohttp client posting the same bodies.

    .venv/bin/python -m bench.webhook_deliver [--events 2000] [--database-url URL]

(`make bench` measures the same at 32 endpoints through `measure`, on fresh databases.)

Events are recorded through the real outbox path (`record_event`, which queues a send-out
per subscribed endpoint), then one `Deliverer` (the worker's delivery engine) sends them to
a local receiver. With one endpoint, delivery is one request at a time (per-endpoint order);
with several endpoints, lanes run in parallel. The bare client posts identical bodies with
no database work, sequentially and with the same concurrency, as the ceiling to compare with.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx

from bench.webhook_receiver import free_port
from voucherd.config import Settings
from voucherd.events.service import record_event
from voucherd.kit.context import RequestContext
from voucherd.kit.db import Database
from voucherd.migrate import upgrade
from voucherd.projects import service as projects
from voucherd.webhooks import service as webhooks
from voucherd.webhooks.envelope import EventFacts, build_envelope, encode
from voucherd.webhooks.schemas import WebhookCreate
from voucherd.webhooks.ssrf import parse_networks
from voucherd.webhooks.worker import Deliverer, DeliveryConfig

LOOPBACK = "127.0.0.0/8"
IN_FLIGHT = 32
RECORD_BATCH = 500


class Receiver:
    """The counting receiver in its own process (it must not compete with us for the CPU)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        script = Path(__file__).resolve().parent / "webhook_receiver.py"
        self._proc = subprocess.Popen([sys.executable, str(script), str(self.port)])

    async def __aenter__(self) -> Receiver:
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    await client.get(f"http://127.0.0.1:{self.port}/stats")
                    return self
                except httpx.HTTPError:
                    await asyncio.sleep(0.05)
        raise RuntimeError("receiver did not start")

    async def __aexit__(self, *_exc: object) -> None:
        self._proc.terminate()
        self._proc.wait()

    async def unique(self) -> int:
        async with httpx.AsyncClient() as client:
            stats = (await client.get(f"http://127.0.0.1:{self.port}/stats")).json()
        return int(stats["unique"])


async def _setup(db: Database, target: str, endpoints: int, events: int) -> None:
    async with db.transaction() as session:
        project = await projects.create_project(session, "bench")
        for _ in range(endpoints):
            await webhooks.create_endpoint(
                session,
                project.id,
                WebhookCreate(target_url=target, events=["customer.order.paid"]),
                parse_networks(LOOPBACK),
            )
    ctx = RequestContext(project_id=project.id, request_id="v-bench")
    data = {"customer": {"id": "cust_1", "object": "customer"}, "order": {"amount": 1000}}
    for start in range(0, events, RECORD_BATCH):
        async with db.transaction() as session:
            for _ in range(min(RECORD_BATCH, events - start)):
                await record_event(
                    session, ctx, "customer.order.paid", entity_id="ord_1", data=data
                )


async def voucherd_rate(url: str, endpoints: int, events: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db_url = url or f"sqlite:///{tmp}/bench.sqlite3"
        await upgrade(db_url)
        db = Database(db_url)
        async with Receiver() as receiver:
            await _setup(db, receiver.url, endpoints, events // endpoints)
            settings = Settings(
                database_url=db_url,
                webhook_allowed_networks=LOOPBACK,
                webhook_max_in_flight=IN_FLIGHT,
            )
            deliverer = Deliverer(DeliveryConfig.from_settings(settings))
            started = time.perf_counter()
            await deliverer.deliver_due(db)
            elapsed = time.perf_counter() - started
            await deliverer.aclose()
            delivered = await receiver.unique()
        await db.dispose()
    expected = (events // endpoints) * endpoints
    if delivered != expected:
        raise RuntimeError(f"{expected} events recorded but {delivered} delivered")
    return delivered / elapsed


def _bodies(events: int, target: str) -> list[bytes]:
    event = EventFacts(
        id="evcus_1",
        type="customer.order.paid",
        created_at="2024-01-01T00:00:00.000Z",
        entity_id="ord_1",
        group_id="v-bench",
        event_source={"channel": "API"},
        data={"customer": {"id": "cust_1", "object": "customer"}, "order": {"amount": 1000}},
    )
    return [
        encode(
            build_envelope(
                sendout_id=f"whs_{i}",
                project_id="proj_1",
                created_at="2024-01-01T00:00:00.000Z",
                endpoint_id="wh_1",
                target_url=target,
                event=event,
            )
        )
        for i in range(events)
    ]


async def bare_rate(events: int, concurrency: int) -> float:
    """The same bodies posted by the client library voucherd delivers with (aiohttp), with
    `concurrency` requests in flight and nothing else to do."""
    async with Receiver() as receiver:
        bodies = _bodies(events, receiver.url)
        headers = {"content-type": "application/json"}
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as client:
            queue = iter(bodies)

            async def worker() -> None:
                for body in queue:
                    async with client.post(receiver.url, data=body, headers=headers) as resp:
                        await resp.read()

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
    return events / elapsed


async def measure(url: str, events: int, concurrency: int) -> tuple[float, float]:
    """(voucherd, bare client) events per second with `concurrency` requests in flight."""
    # voucherd sends one request at a time per endpoint, so N endpoints = N in flight.
    bare = await bare_rate(events, concurrency)
    ours = await voucherd_rate(url, concurrency, events)
    return ours, bare


async def main(url: str, events: int) -> None:
    print(f"{events} events to a receiver on loopback (its own process)\n")
    print(f"{'in flight':<10} {'bare aiohttp':>12} {'voucherd':>12}   (events/s)")
    for concurrency in (1, 8, IN_FLIGHT):
        ours, bare = await measure(url, events, concurrency)
        print(f"{concurrency:<10} {bare:12.0f} {ours:12.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    args = parser.parse_args()
    asyncio.run(main(args.database_url, args.events))
