"""A Management API client beside the app client, and the rules helpers of these tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support import ProjectKeys, management_headers
from voucherd.kit.db import Database


@pytest.fixture
async def mgmt(app: Any, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=await management_headers(db)
    ) as client:
        yield client


@pytest.fixture
def rules_url(project: ProjectKeys) -> str:
    return f"/management/v1/projects/{project.project_id}/stacking-rules"
