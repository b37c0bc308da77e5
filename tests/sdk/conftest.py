"""The official Voucherify SDK (PyPI `voucherify`) pointed at a live voucherd."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import voucherify as V

from tests.conftest import LiveServer
from tests.support import ProjectKeys, management_headers
from voucherd.kit.db import Database
from voucherd.projects import service as projects


@pytest.fixture
def sdk(live_server: LiveServer, project: ProjectKeys) -> Iterator[Any]:
    cfg = V.Configuration(
        host=live_server.base_url,
        api_key={"X-App-Id": project.app_id, "X-App-Token": project.app_token},
    )
    with V.ApiClient(cfg) as client:
        yield client


@pytest.fixture
async def management_keys(db: Database) -> dict[str, str]:
    return await management_headers(db)


@pytest.fixture
def management_sdk(live_server: LiveServer, management_keys: dict[str, str]) -> Iterator[Any]:
    """The SDK with a Management key (ManagementApi)."""
    cfg = V.Configuration(host=live_server.base_url, api_key=management_keys)
    with V.ApiClient(cfg) as client:
        yield client


@pytest.fixture
async def management_key(db: Database) -> tuple[str, str]:
    async with db.transaction() as session:
        key = await projects.issue_key(session, kind="management", project_id=None)
    return key.key_id, key.token


@pytest.fixture
def management(live_server: LiveServer, management_key: tuple[str, str]) -> Iterator[Any]:
    """The SDK's ManagementApi with a Management key (it sees every project)."""
    cfg = V.Configuration(
        host=live_server.base_url,
        api_key={"X-Management-Id": management_key[0], "X-Management-Token": management_key[1]},
    )
    with V.ApiClient(cfg) as client:
        yield V.ManagementApi(client)
