"""Several workers against one database: every send-out is delivered by one of them at a
time, and each endpoint still sees its events in order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Backend
from tests.webhooks.conftest import MakeDeliverer, Subscribe
from tests.webhooks.receiver import Receiver, Reply
from voucherd.kit.db import Database
from voucherd.webhooks.worker import Deliverer

ENDPOINTS = 4
EVENTS = 40


@pytest.fixture
async def second_db(backend: Backend) -> AsyncIterator[Database]:
    # Its own engine and pool, as a second `voucherd worker` process would have.
    database = Database(backend.url)
    yield database
    await database.dispose()


async def _work(deliverer: Deliverer, db: Database, done: asyncio.Event) -> None:
    deadline = time.monotonic() + 60
    while not done.is_set() and time.monotonic() < deadline:
        if not await deliverer.tick(db):
            await asyncio.sleep(0.002)
    await deliverer.drain()


async def test_two_workers_never_deliver_the_same_sendout_concurrently(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    receiver: Receiver,
    make_deliverer: MakeDeliverer,
    db: Database,
    second_db: Database,
) -> None:
    inboxes = [receiver.inbox() for _ in range(ENDPOINTS)]
    for inbox in inboxes:
        # A little latency widens the window in which two workers could collide.
        inbox.default = Reply(200, delay=0.003)
        await subscribe(inbox.url, ["customer.created"])
    # Fewer lanes (3) than endpoints (4), so the workers compete for the spare endpoint, and
    # events keep arriving, so lanes end and endpoints change hands between the workers.
    first, second = make_deliverer(webhook_max_in_flight=2), make_deliverer(webhook_max_in_flight=1)
    done = asyncio.Event()
    expected: list[str] = []

    async def produce() -> None:
        for i in range(EVENTS):
            resp = await client.post("/v1/customers", json={"source_id": f"w{i}"})
            expected.append(resp.json()["id"])
            await asyncio.sleep(0.002)
        # The receiver records in its own thread; poll it (real time, not business time).
        for _ in range(6000):
            if sum(len(i.requests) for i in inboxes) >= ENDPOINTS * EVENTS:
                break
            await asyncio.sleep(0.01)
        done.set()

    await asyncio.wait_for(
        asyncio.gather(_work(first, db, done), _work(second, second_db, done), produce()),
        timeout=90,
    )

    assert first.attempts_made > 0 and second.attempts_made > 0
    assert first.attempts_made + second.attempts_made == ENDPOINTS * EVENTS
    for inbox in inboxes:
        assert inbox.max_overlap == 1
        assert len(inbox.ids) == len(set(inbox.ids)) == EVENTS
        assert [r.json["event"]["entity_id"] for r in inbox.requests] == expected  # type: ignore[index]
