"""Fuzz fixtures: one project per module and engine with a world of real resources for the
fuzzed requests to aim at (built once: the fuzz budget goes to the fuzzing), an API client,
and Management headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fuzz.world import World, build_world
from tests.support import ProjectKeys, make_project
from voucherd.kit.db import Database
from voucherd.projects import service as projects


@pytest.fixture(scope="module")
async def management_headers(db: Database) -> dict[str, str]:
    async with db.transaction() as session:
        key = await projects.issue_key(session, kind="management", project_id=None)
    return {"X-Management-Id": key.key_id, "X-Management-Token": key.token}


@pytest.fixture(scope="module")
async def fuzz_project(db: Database) -> ProjectKeys:
    return await make_project(db, name="Fuzz")


@pytest.fixture(scope="module")
async def fuzz_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    # An unhandled error comes back as the app's 500 answer, as a real client would see it.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://voucherd.test") as c:
        yield c


@pytest.fixture(scope="module")
async def world(fuzz_client: httpx.AsyncClient, fuzz_project: ProjectKeys) -> World:
    fuzz_client.headers.update(fuzz_project.headers)
    try:
        return await build_world(fuzz_client)
    finally:
        for name in fuzz_project.headers:
            del fuzz_client.headers[name]
