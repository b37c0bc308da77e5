"""`/metrics`: delivered, failed, retried counts and the oldest pending send-out's age."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.webhooks.conftest import Subscribe
from tests.webhooks.receiver import Inbox, Reply
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.webhooks.worker import Deliverer


async def _scrape(client: httpx.AsyncClient) -> dict[str, float]:
    resp = await client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")
    values = {}
    for line in resp.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


async def test_metrics_count_deliveries_failures_retries_and_pending_age(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    before = await _scrape(client)
    await subscribe(inbox.url, ["customer.created"])
    inbox.script(Reply(500))
    await client.post("/v1/customers", json={"source_id": "m1"})
    await client.post("/v1/customers", json={"source_id": "m2"})
    await deliverer.deliver_due(db)  # m1 fails, m2 delivered

    clock.advance(timedelta(seconds=30))
    waiting = await _scrape(client)
    assert waiting["voucherd_webhook_oldest_pending_age_seconds"] == 30
    assert waiting['voucherd_webhook_sendouts{status="PENDING"}'] >= 1

    clock.advance(timedelta(seconds=30))
    await deliverer.deliver_due(db)  # m1's retry succeeds
    after = await _scrape(client)

    def delta(name: str) -> float:
        return after[name] - before[name]

    assert delta("voucherd_webhook_delivered_total") == 2
    assert delta("voucherd_webhook_failed_attempts_total") == 1
    assert delta("voucherd_webhook_retried_total") == 1
    assert after["voucherd_webhook_oldest_pending_age_seconds"] == 0
