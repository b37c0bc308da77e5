"""The official SDK's ManagementApi webhook calls against a live voucherd."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest
import voucherify as V

from tests.conftest import LiveServer
from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.projects import service as projects

PUBLIC_URL = "https://93.184.216.34/hooks"


@pytest.fixture
async def management_key(db: Database) -> AsyncIterator[tuple[str, str]]:
    async with db.transaction() as session:
        key = await projects.issue_key(session, kind="management", project_id=None)
    yield key.key_id, key.token


@pytest.fixture
def management(live_server: LiveServer, management_key: tuple[str, str]) -> Iterator[Any]:
    cfg = V.Configuration(
        host=live_server.base_url,
        api_key={"X-Management-Id": management_key[0], "X-Management-Token": management_key[1]},
    )
    with V.ApiClient(cfg) as client:
        yield V.ManagementApi(client)


def test_sdk_manages_webhooks(management: Any, project: ProjectKeys) -> None:
    pid = project.project_id
    created = management.create_webhook(
        pid,
        V.ManagementProjectsWebhooksCreateRequestBody(
            target_url=PUBLIC_URL, events=["customer.created", "redemption.succeeded"], active=True
        ),
    )
    assert created.id.startswith("wh_")
    assert created.events == ["customer.created", "redemption.succeeded"]
    assert management.get_webhook(pid, created.id).target_url == PUBLIC_URL
    assert [w.id for w in management.list_webhooks(pid).data] == [created.id]
    updated = management.update_webhook(
        pid,
        created.id,
        V.ManagementProjectsWebhooksUpdateRequestBody(
            target_url=PUBLIC_URL, events=["voucher.loyalty_card.points_aded"], active=False
        ),
    )
    assert (updated.events, updated.active) == (["voucher.loyalty_card.points_aded"], False)
    management.delete_webhook(pid, created.id)
    assert management.list_webhooks(pid).total == 0


def test_sdk_can_subscribe_to_names_outside_its_enum_without_preload(
    management: Any, project: ProjectKeys
) -> None:
    # The SDK's enum lacks the customer.* events; model_construct skips its validation and the
    # raw response avoids parsing the echoed names.
    body = V.ManagementProjectsWebhooksCreateRequestBody.model_construct(
        target_url=PUBLIC_URL, events=["customer.redemption.succeeded"], active=True
    )
    raw = management.create_webhook_without_preload_content(project.project_id, body)
    assert raw.status == 200
    assert orjson.loads(raw.data)["events"] == ["customer.redemption.succeeded"]
