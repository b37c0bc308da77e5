"""Webhook fixtures: a real receiver, an app that may target it, a Management client, and a
delivery worker per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tests.conftest import Backend
from tests.webhooks.receiver import Inbox, Receiver
from voucherd.app import create_app
from voucherd.config import Settings
from voucherd.kit.db import Database
from voucherd.projects import service as projects
from voucherd.webhooks.models import WebhookEndpoint
from voucherd.webhooks.worker import Deliverer, DeliveryConfig

# The receiver runs on loopback, which voucherd refuses by default (SSRF guard).
LOOPBACK = "127.0.0.0/8,::1/128"


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def inbox(receiver: Receiver) -> Inbox:
    return receiver.inbox()


@pytest.fixture(scope="session")
def wh_settings(backend: Backend) -> Settings:
    return Settings(
        database_url=backend.url,
        embedded_worker=False,
        webhook_allowed_networks=LOOPBACK,
        # No jitter, so tests can move the clock to the exact retry time.
        webhook_retry_jitter=0,
        webhook_timeout_seconds=2,
    )


@pytest.fixture(scope="session")
def wh_app(wh_settings: Settings, db: Database) -> Any:
    return create_app(wh_settings, db)


@pytest.fixture(scope="session")
async def management_headers(db: Database) -> dict[str, str]:
    async with db.transaction() as session:
        key = await projects.issue_key(session, kind="management", project_id=None)
    return {"X-Management-Id": key.key_id, "X-Management-Token": key.token}


@pytest.fixture
async def mgmt(
    wh_app: Any, management_headers: dict[str, str], db: Database
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=wh_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=management_headers
    ) as c:
        yield c
    # Every test's endpoints go quiet afterwards, so no later test's worker delivers to them.
    async with db.transaction() as session:
        await session.execute(update(WebhookEndpoint).values(active=False))


MakeDeliverer = Callable[..., Deliverer]


@pytest.fixture
async def make_deliverer(wh_settings: Settings) -> AsyncIterator[MakeDeliverer]:
    made: list[Deliverer] = []

    def make(**overrides: Any) -> Deliverer:
        settings = wh_settings.model_copy(update=overrides)
        deliverer = Deliverer(DeliveryConfig.from_settings(settings))
        made.append(deliverer)
        return deliverer

    yield make
    for deliverer in made:
        await deliverer.aclose()


@pytest.fixture
async def deliverer(make_deliverer: MakeDeliverer) -> Deliverer:
    return make_deliverer()


Subscribe = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def subscribe(mgmt: httpx.AsyncClient, project: Any) -> Subscribe:
    """Create a webhook for the test's project through the Management API."""

    async def create(target_url: str, events: list[str], **extra: Any) -> dict[str, Any]:
        resp = await mgmt.post(
            f"/management/v1/projects/{project.project_id}/webhooks",
            json={"target_url": target_url, "events": events, **extra},
        )
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    return create
