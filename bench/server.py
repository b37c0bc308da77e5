"""Fresh databases and a real `voucherd serve` subprocess for the benchmarks.

Every measurement gets its own database: a temporary SQLite file, or a PostgreSQL database
`voucherd_bench_<random>` created for it and dropped WITH (FORCE) afterwards, so the shared
database named by `--pg-url` (others run tests in it) is only used to issue CREATE/DROP.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import event, text
from sqlalchemy.engine import Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from voucherd.kit.db import async_url

DEFAULT_PG_URL = os.environ.get(
    "VOUCHERD_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
STARTUP_TIMEOUT_S = 120.0
# CREATE DATABASE copies template1 and fails while another session is connected to it
# (a parallel test run may be creating databases too): retry briefly.
CREATE_ATTEMPTS = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def autocommit_engine(url: str) -> AsyncEngine:
    """For statements that cannot run in a transaction (CREATE/DROP DATABASE, VACUUM)."""
    return create_async_engine(async_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)


@contextlib.asynccontextmanager
async def fresh_database(
    engine: str, workdir: Path, pg_url: str = DEFAULT_PG_URL
) -> AsyncIterator[str]:
    """The URL of an empty database that exists for the duration of the block."""
    name = f"voucherd_bench_{secrets.token_hex(4)}"
    if engine == "sqlite":
        path = workdir / f"{name}.sqlite3"
        try:
            yield f"sqlite:///{path}"
        finally:
            _remove_sqlite(path)
        return
    admin = autocommit_engine(pg_url)
    try:
        for attempt in range(CREATE_ATTEMPTS):
            try:
                async with admin.connect() as conn:
                    await conn.execute(text(f'CREATE DATABASE "{name}"'))
                break
            except DBAPIError as exc:
                if (
                    "being accessed by other users" not in str(exc)
                    or attempt + 1 == CREATE_ATTEMPTS
                ):
                    raise
                await asyncio.sleep(0.5)
        try:
            yield with_database(pg_url, name)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def direct_engine(database_url: str) -> AsyncEngine:
    """An engine on the server's database for bulk fills and checks (bypasses the API)."""
    engine = create_async_engine(async_url(database_url), pool_size=2, max_overflow=0)
    if database_url.startswith("sqlite"):

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=60000")  # the server may hold the write lock
            cursor.close()

    return engine


@dataclass
class Server:
    base_url: str
    headers: dict[str, str]
    database_url: str
    engine: AsyncEngine
    proc: subprocess.Popen[bytes]
    log_path: Path

    def exit_report(self) -> str | None:
        """Why the server is gone, if it is (exit status and the end of its log)."""
        if self.proc.poll() is None:
            return None
        return f"voucherd exited with {self.proc.returncode}:\n{tail(self.log_path)}"

    @property
    def dialect(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    def client(self, connections: int = 32) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        return httpx.AsyncClient(
            base_url=self.base_url, headers=self.headers, limits=limits, timeout=600
        )

    async def sql(self, statement: str, params: dict[str, Any] | None = None) -> Result[Any]:
        async with self.engine.begin() as conn:
            return await conn.execute(text(statement), params or {})

    async def column(self, statement: str, params: dict[str, Any] | None = None) -> list[Any]:
        return list((await self.sql(statement, params)).scalars().all())


def _voucherd_command() -> list[str]:
    script = Path(sys.executable).with_name("voucherd")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "voucherd.cli"]


@contextlib.asynccontextmanager
async def running_server(
    database_url: str, workdir: Path, *, workers: int = 1
) -> AsyncIterator[Server]:
    """`voucherd serve --no-with-worker [--workers N]` in a subprocess (it migrates on start)."""
    port = free_port()
    app_id = "bench-" + secrets.token_hex(4)
    app_token = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "VOUCHERD_DATABASE_URL": database_url,
        "VOUCHERD_APP_ID": app_id,
        "VOUCHERD_APP_TOKEN": app_token,
        "VOUCHERD_HOST": "127.0.0.1",
        "VOUCHERD_PORT": str(port),
        "VOUCHERD_EMBEDDED_WORKER": "false",
        "VOUCHERD_LOG_LEVEL": "warning",
    }
    log_path = workdir / f"server-{port}.log"
    proc = _spawn(env, workdir, log_path, workers)
    engine = direct_engine(database_url)
    try:
        base_url = f"http://127.0.0.1:{port}"
        await _wait_healthy(proc, base_url, log_path)
        headers = {"X-App-Id": app_id, "X-App-Token": app_token}
        yield Server(base_url, headers, database_url, engine, proc, log_path)
    finally:
        await engine.dispose()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _spawn(
    env: dict[str, str], workdir: Path, log_path: Path, workers: int = 1
) -> subprocess.Popen[bytes]:
    # `serve` sets VOUCHERD_EMBEDDED_WORKER from its own flag, so the flag is needed as well.
    # The working directory is the temporary one so that no stray `.env` changes the settings.
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [*_voucherd_command(), "serve", "--no-with-worker", "--workers", str(workers)],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def _wait_healthy(proc: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    async with httpx.AsyncClient(timeout=1) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"voucherd exited with {proc.returncode}:\n{tail(log_path)}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{base_url}/health")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"voucherd did not become healthy:\n{tail(log_path)}")


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class EndpointMissing(Exception):
    """The server answered 404/405 for a route the benchmark needs (not built yet)."""


def ok(resp: httpx.Response, what: str) -> Any:
    # During setup every resource named exists, so a 404/405 means the route does not.
    if resp.status_code in (404, 405):
        raise EndpointMissing(f"{what}: HTTP {resp.status_code} {resp.text[:200]}")
    if resp.status_code != 200:
        raise RuntimeError(f"{what}: HTTP {resp.status_code} {resp.text[:500]}")
    return resp.json()


async def gather_limited(calls: Iterable[Any], limit: int = 32) -> list[Any]:
    """Run coroutines with at most `limit` in flight (setup work, not measured)."""
    semaphore = asyncio.Semaphore(limit)

    async def one(call: Any) -> Any:
        async with semaphore:
            return await call

    return list(await asyncio.gather(*(one(c) for c in calls)))
