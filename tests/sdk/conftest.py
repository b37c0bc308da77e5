"""The official Voucherify SDK (PyPI `voucherify`) pointed at a live voucherd."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import voucherify as V

from tests.conftest import LiveServer
from tests.support import ProjectKeys, management_headers
from voucherd.kit.db import Database


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
