"""A database that cannot be reached: API calls answer 503 `service_unavailable` with
Retry-After (they answered 500), the worker logs one line per outage and resumes, and
`voucherd serve` waits for a database that is not up yet, bounded, then exits with one line.

"Down" is a PostgreSQL URL on a port where nothing listens; "coming back" is a small TCP
relay to the test server that starts listening on that port mid-test.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url, text
from typer.testing import CliRunner

from tests.conftest import Backend, _free_port
from tests.kit.test_bad_input import assert_error
from voucherd import cli
from voucherd.app import create_app
from voucherd.config import Settings, get_settings
from voucherd.kit.db import Database, DatabaseUnavailable, wait_for_database
from voucherd.worker import RegisteredJob, run_jobs


def _down_url() -> str:
    return f"postgresql://postgres@127.0.0.1:{_free_port()}/voucherd"


@pytest.fixture
async def down_client() -> AsyncIterator[httpx.AsyncClient]:
    url = _down_url()
    db = Database(url)
    app = create_app(Settings(database_url=url, embedded_worker=False), db)
    headers = {"X-App-Id": "app_x", "X-App-Token": "token"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=headers
    ) as c:
        yield c
    await db.dispose()


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", "/v1/customers", None),
        ("POST", "/v1/customers", {"source_id": "c1"}),
        ("POST", "/v1/redemptions", {"redeemables": [{"object": "voucher", "id": "X"}]}),
        ("DELETE", "/v1/customers/cust_1", None),
    ],
)
async def test_api_calls_answer_503_with_retry_after_while_the_database_is_down(
    down_client: httpx.AsyncClient, method: str, path: str, payload: Any
) -> None:
    resp = await down_client.request(method, path, json=payload)
    body = assert_error(resp, 503, "service_unavailable")
    assert int(resp.headers["retry-after"]) > 0
    assert "database cannot be reached" in body["details"]


async def test_health_still_says_unavailable(down_client: httpx.AsyncClient) -> None:
    resp = await down_client.get("/health")
    assert resp.status_code == 503
    assert resp.json()["status"] == "unavailable"


class Relay:
    """Listens on `port` and relays each connection to the real database server."""

    def __init__(self, port: int, target_host: str, target_port: int) -> None:
        self.port, self.target = port, (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in self._pipes:
                task.cancel()
            await asyncio.gather(*self._pipes, return_exceptions=True)
            await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        for task in (
            asyncio.create_task(pipe(reader, up_writer)),
            asyncio.create_task(pipe(up_reader, writer)),
        ):
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)


@pytest.fixture
async def relay(backend: Backend) -> AsyncIterator[tuple[Relay, str]]:
    """A relay (not yet listening) and the database URL that goes through it."""
    if backend.name != "postgres":
        pytest.skip("the outage is of a database server; SQLite is a file")
    real = make_url(backend.url)
    port = _free_port()
    proxy = Relay(port, real.host or "127.0.0.1", real.port or 5432)
    yield proxy, real.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    await proxy.stop()


async def test_worker_logs_one_line_per_outage_and_resumes(
    relay: tuple[Relay, str], caplog: pytest.LogCaptureFixture
) -> None:
    proxy, url = relay
    db = Database(url)
    successes = 0
    resumed = asyncio.Event()

    async def probe(database: Database) -> int:
        nonlocal successes
        async with database.transaction(write=False) as session:
            await session.execute(text("SELECT 1"))
        successes += 1
        if successes >= 2:
            resumed.set()
        return 0

    jobs = [RegisteredJob("probe.a", probe, 0.01), RegisteredJob("probe.b", probe, 0.01)]
    stop = asyncio.Event()
    caplog.set_level(logging.INFO, logger="voucherd.worker")
    worker = asyncio.create_task(run_jobs(db, jobs, stop))
    try:
        await asyncio.sleep(1.0)  # down: dozens of failed runs at a 10 ms idle pause
        assert successes == 0
        await proxy.start()
        # The loops' pauses grew while it was down; they stay under a second here.
        await asyncio.wait_for(resumed.wait(), timeout=10)
    finally:
        stop.set()
        await worker
        await db.dispose()
    # Two loops, dozens of failed runs: one line when it went, one when it came back.
    lines = [r for r in caplog.records if r.name == "voucherd.worker"]
    messages = [r.getMessage() for r in lines]
    assert len(messages) == 2, messages
    assert messages[0].startswith("database unavailable")
    assert "ConnectionRefusedError" in messages[0]
    assert messages[1].startswith("database available again after")
    assert all(r.exc_info is None for r in lines), "an outage is not a traceback"


async def test_startup_waits_for_a_database_that_comes_up(relay: tuple[Relay, str]) -> None:
    proxy, url = relay
    retries: list[float] = []

    async def come_up_later() -> None:
        await asyncio.sleep(0.8)
        await proxy.start()

    starter = asyncio.create_task(come_up_later())
    started = time.monotonic()
    await wait_for_database(url, bound_seconds=20, on_retry=lambda _e, pause: retries.append(pause))
    await starter
    assert time.monotonic() - started >= 0.8
    assert retries and retries[0] == 0.5  # backoff from 0.5 s, doubling


async def test_startup_gives_up_after_its_bound() -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable, match="not reachable after 1 s: ConnectionRefused"):
        await wait_for_database(_down_url(), bound_seconds=1)
    assert 0.9 <= time.monotonic() - started < 3


def test_serve_exits_with_one_line_when_the_database_never_comes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOUCHERD_DATABASE_URL", _down_url())
    monkeypatch.setenv("VOUCHERD_DB_STARTUP_TIMEOUT_SECONDS", "0.6")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    final = result.output.strip().splitlines()[-1]
    assert final.startswith("voucherd: database not reachable after 0.6 s")
    assert len(result.output.strip().splitlines()) <= 4  # the retries and the verdict
