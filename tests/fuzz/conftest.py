"""Fuzz fixtures: an API client for the test's project, Management headers, and a world of
real resources for the fuzzed requests to aim at."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fuzz.world import World, build_world
from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.projects import service as projects


@pytest.fixture
async def management_headers(db: Database) -> dict[str, str]:
    async with db.transaction() as session:
        key = await projects.issue_key(session, kind="management", project_id=None)
    return {"X-Management-Id": key.key_id, "X-Management-Token": key.token}


@pytest.fixture
async def fuzz_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://voucherd.test") as c:
        yield c


@pytest.fixture
async def world(fuzz_client: httpx.AsyncClient, project: ProjectKeys) -> World:
    fuzz_client.headers.update(project.headers)
    try:
        return await build_world(fuzz_client)
    finally:
        for name in project.headers:
            del fuzz_client.headers[name]
