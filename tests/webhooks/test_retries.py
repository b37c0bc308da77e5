"""Retries: same ids on every attempt, the schedule follows the clock, 429/410/timeouts, and
the endpoint is disabled when retries run out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from tests.support import ProjectKeys
from tests.webhooks.conftest import MakeDeliverer, Subscribe
from tests.webhooks.receiver import Inbox, Reply
from voucherd.kit.clock import clock, utcnow
from voucherd.kit.db import Database
from voucherd.webhooks.models import WebhookAttempt, WebhookSendout
from voucherd.webhooks.worker import Deliverer


async def _sendouts(db: Database, endpoint_id: str) -> list[WebhookSendout]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(WebhookSendout)
            .where(WebhookSendout.endpoint_id == endpoint_id)
            .order_by(WebhookSendout.seq)
        )
        return list(rows.scalars())


async def _attempts(db: Database, sendout_id: str) -> list[WebhookAttempt]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(WebhookAttempt)
            .where(WebhookAttempt.sendout_id == sendout_id)
            .order_by(WebhookAttempt.number)
        )
        return list(rows.scalars())


async def _webhook(mgmt: httpx.AsyncClient, project: ProjectKeys, wh_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (
        await mgmt.get(f"/management/v1/projects/{project.project_id}/webhooks/{wh_id}")
    ).json()
    return body


async def test_receiver_failing_twice_then_succeeding_gets_the_same_ids_three_times(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    webhook = await subscribe(inbox.url, ["customer.created"])
    inbox.script(Reply(500), Reply(503))
    await client.post("/v1/customers", json={"source_id": "flaky"})

    await deliverer.deliver_due(db)
    clock.advance(timedelta(minutes=1))  # Voucherify's first retry: 1 minute after the first try
    await deliverer.deliver_due(db)
    clock.advance(timedelta(minutes=1))  # the second: 2 minutes after the first try
    await deliverer.deliver_due(db)

    assert len(inbox.requests) == 3
    assert len(set(inbox.ids)) == 1
    assert {r.json["id"] for r in inbox.requests} == set(inbox.ids)
    assert len({r.json["event"]["id"] for r in inbox.requests}) == 1  # type: ignore[index]
    assert len({r.body for r in inbox.requests}) == 1
    [sendout] = await _sendouts(db, webhook["id"])
    assert (sendout.status, sendout.attempts, sendout.last_status_code) == ("SUCCEEDED", 3, 200)
    attempts = await _attempts(db, sendout.id)
    assert [(a.number, a.status_code, a.succeeded) for a in attempts] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert attempts[0].response_excerpt == "ok"


async def test_retry_waits_for_the_clock_not_for_sleep(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    await subscribe(inbox.url, ["customer.created"])
    inbox.script(Reply(500))
    await client.post("/v1/customers", json={"source_id": "patient"})
    await deliverer.deliver_due(db)

    clock.advance(timedelta(seconds=59))
    await deliverer.deliver_due(db)
    assert len(inbox.requests) == 1

    clock.advance(timedelta(seconds=1))
    await deliverer.deliver_due(db)
    assert len(inbox.requests) == 2


async def test_410_gone_disables_the_endpoint(
    client: httpx.AsyncClient,
    mgmt: httpx.AsyncClient,
    project: ProjectKeys,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    webhook = await subscribe(inbox.url, ["customer.created"])
    inbox.script(Reply(410))
    await client.post("/v1/customers", json={"source_id": "gone1"})
    await client.post("/v1/customers", json={"source_id": "gone2"})

    await deliverer.deliver_due(db)

    assert len(inbox.requests) == 1
    body = await _webhook(mgmt, project, webhook["id"])
    assert body["active"] is False
    assert "410" in body["disabled_reason"]
    first, second = await _sendouts(db, webhook["id"])
    assert first.status == "FAILED"
    # The other event waits for the endpoint to be re-enabled rather than being dropped.
    assert second.status == "PENDING"
    # A disabled endpoint queues nothing new.
    await client.post("/v1/customers", json={"source_id": "gone3"})
    assert len(await _sendouts(db, webhook["id"])) == 2


async def test_429_retry_after_is_honoured(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    await subscribe(inbox.url, ["customer.created"])
    inbox.script(Reply(429, headers={"Retry-After": "300"}))
    await client.post("/v1/customers", json={"source_id": "busy"})
    await deliverer.deliver_due(db)

    # The schedule alone would retry after 1 minute; the receiver asked for 5.
    clock.advance(timedelta(minutes=4, seconds=59))
    await deliverer.deliver_due(db)
    assert len(inbox.requests) == 1

    clock.advance(timedelta(seconds=1))
    await deliverer.deliver_due(db)
    assert len(inbox.requests) == 2
    assert len(set(inbox.ids)) == 1


async def test_429_pauses_the_whole_endpoint(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    await subscribe(inbox.url, ["customer.created"])
    inbox.script(Reply(429, headers={"Retry-After": "120"}))
    await client.post("/v1/customers", json={"source_id": "r1"})
    await client.post("/v1/customers", json={"source_id": "r2"})

    await deliverer.deliver_due(db)
    assert len(inbox.requests) == 1

    clock.advance(timedelta(minutes=2))
    await deliverer.deliver_due(db)
    sources = [r.json["data"]["customer"]["source_id"] for r in inbox.requests]  # type: ignore[index]
    assert sources == ["r1", "r1", "r2"]


async def test_slow_receiver_times_out_and_is_retried(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    make_deliverer: MakeDeliverer,
    db: Database,
) -> None:
    clock.freeze()
    deliverer = make_deliverer(webhook_timeout_seconds=0.3)
    webhook = await subscribe(inbox.url, ["customer.created"])
    inbox.script(Reply(200, delay=2))
    await client.post("/v1/customers", json={"source_id": "slow"})

    await deliverer.deliver_due(db)
    [sendout] = await _sendouts(db, webhook["id"])
    assert sendout.status == "PENDING"
    assert sendout.last_error == "timeout after 0.3s"
    [attempt] = await _attempts(db, sendout.id)
    assert attempt.status_code is None and attempt.latency_ms < 2000

    clock.advance(timedelta(minutes=1))
    await deliverer.deliver_due(db)
    [sendout] = await _sendouts(db, webhook["id"])
    assert sendout.status == "SUCCEEDED"
    assert len(set(inbox.ids)) == 1


async def test_endpoint_is_disabled_after_the_last_retry(
    client: httpx.AsyncClient,
    mgmt: httpx.AsyncClient,
    project: ProjectKeys,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    webhook = await subscribe(inbox.url, ["customer.created"])
    inbox.default = Reply(500)
    await client.post("/v1/customers", json={"source_id": "doomed"})

    start = utcnow()
    await deliverer.deliver_due(db)
    # Voucherify's schedule: 12 retries at 1, 2, 4, ... minutes, the last 24 h after the first.
    for minutes in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024):
        clock.freeze(start + timedelta(minutes=minutes))
        await deliverer.deliver_due(db)
    assert len(inbox.requests) == 12
    assert (await _webhook(mgmt, project, webhook["id"]))["active"] is True

    clock.freeze(start + timedelta(hours=24))
    await deliverer.deliver_due(db)

    assert len(inbox.requests) == 13
    assert len(set(inbox.ids)) == 1
    [sendout] = await _sendouts(db, webhook["id"])
    assert (sendout.status, sendout.attempts) == ("FAILED", 13)
    body = await _webhook(mgmt, project, webhook["id"])
    assert body["active"] is False
    assert "retries exhausted" in body["disabled_reason"]
