"""Test fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL runs need `VOUCHERD_TEST_DATABASE_URL` (CI sets it); without it they are skipped
with a visible reason. Each test gets a fresh project, so tests never see each other's data
and the schema is migrated once per engine per run.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import settings as hypothesis_settings
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support import ProjectKeys, make_project, management_headers
from voucherd.app import create_app
from voucherd.config import Settings
from voucherd.kit.clock import clock
from voucherd.kit.db import Database, async_url
from voucherd.migrate import upgrade

# Pure-logic properties are checked by their examples, not timed: a per-example deadline only
# measures how busy the machine is (CI shares it with PostgreSQL), and flakes under load.
hypothesis_settings.register_profile("voucherd", deadline=None)
hypothesis_settings.load_profile("voucherd")

PG_ENV = "VOUCHERD_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgres"]


@dataclass(frozen=True)
class Backend:
    name: str
    url: str


async def _create_postgres_database(url: str) -> str:
    """A fresh database next to the one in `url`, for this test run only.

    Several runs (developers, CI, helpers) may share one server: each gets its own database,
    so no run drops another's schema mid-test.
    """
    name = f"voucherd_test_{os.getpid()}_{secrets.token_hex(4)}"
    engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(admin_url: str, url: str) -> None:
    engine = create_async_engine(async_url(admin_url), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        name = make_url(url).database
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    admin_url: str | None = None
    if request.param == "postgres":
        url = os.environ.get(PG_ENV)
        if not url:
            if os.environ.get("CI"):
                pytest.fail(f"{PG_ENV} must be set in CI: every storage test runs on PostgreSQL")
            pytest.skip(
                f"PostgreSQL runs skipped: set {PG_ENV}=postgresql://postgres@127.0.0.1:5432/test"
            )
        admin_url = url
        url = await _create_postgres_database(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'voucherd.sqlite3'}"
    await upgrade(url)
    yield Backend(request.param, url)
    if admin_url is not None:
        await _drop_postgres_database(admin_url, url)


@pytest.fixture(scope="session")
async def db(backend: Backend) -> AsyncIterator[Database]:
    database = Database(backend.url, pool_size=20, max_overflow=40)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def settings(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Files the app writes (export CSVs) go to a directory of this run, not the checkout.
    return Settings(
        database_url=backend.url,
        embedded_worker=False,
        data_dir=tmp_path_factory.mktemp("data"),
    )


@pytest.fixture(scope="session")
def app(settings: Settings, db: Database) -> Any:
    return create_app(settings, db)


@pytest.fixture
async def project(db: Database) -> ProjectKeys:
    return await make_project(db)


@pytest.fixture
async def client(app: Any, project: ProjectKeys) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=project.headers
    ) as c:
        yield c


@pytest.fixture
async def anon_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://voucherd.test") as c:
        yield c


@pytest.fixture
async def mgmt(app: Any, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A Management API client (its key sees every project)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=await management_headers(db)
    ) as c:
        yield c


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    yield
    clock.reset()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    base_url: str


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The real app behind a real uvicorn on a free port, in its own thread and loop."""
    port = _free_port()
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)


ROOT = Path(__file__).resolve().parent.parent
