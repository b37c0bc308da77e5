"""The official Voucherify SDK (PyPI `voucherify`) pointed at a live voucherd."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import voucherify as V

from tests.conftest import LiveServer
from tests.support import ProjectKeys


@pytest.fixture
def sdk(live_server: LiveServer, project: ProjectKeys) -> Iterator[Any]:
    cfg = V.Configuration(
        host=live_server.base_url,
        api_key={"X-App-Id": project.app_id, "X-App-Token": project.app_token},
    )
    with V.ApiClient(cfg) as client:
        yield client
