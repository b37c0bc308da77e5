"""The processes under test (`voucherd migrate`, `serve --workers 2`, two `voucherd worker`s),
the webhook receiver, and which process served which connection (read from /proc)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Result
from starlette.requests import Request
from starlette.responses import Response

from bench.server import STARTUP_TIMEOUT_S, direct_engine, free_port, ok, tail
from bench.webhook_receiver import CountingReceiver

APP = {"X-App-Id": "scaleout-app", "X-App-Token": "scaleout-app-token"}
MANAGEMENT = {"X-Management-Id": "scaleout-mgmt", "X-Management-Token": "scaleout-mgmt-token"}
# Long enough that a second delivery of a send-out, made while the first is being answered,
# would overlap it at the receiver.
RECEIVER_DELAY_S = 0.02
# How often connections are attributed to processes; keep-alive connections live far longer.
SAMPLE_SECONDS = 0.2


class Receiver(CountingReceiver):
    """Per send-out id (`webhook-id`): deliveries, and whether two were ever in flight at once;
    per endpoint (the envelope's `source.id`): the event ids received."""

    def __init__(self) -> None:
        super().__init__(delay=RECEIVER_DELAY_S)
        self.deliveries: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.overlapped: set[str] = set()
        self.events: dict[str, set[str]] = {}
        self.peers: Counter[int] = Counter()  # the sender's port, to find the worker

    async def _handle(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        sendout = request.headers.get("webhook-id") or str(body.get("id"))
        # One event loop handles every connection: no lock needed between these lines.
        self.deliveries[sendout] += 1
        self.in_flight[sendout] += 1
        if self.in_flight[sendout] > 1:
            self.overlapped.add(sendout)
        self.events.setdefault(body["source"]["id"], set()).add(str(body["event"]["id"]))
        if request.client:
            self.peers[request.client.port] += 1
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight[sendout] -= 1
        return Response(b"ok")


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            found |= {int(child)} | descendants(int(child))
    return found


def sockets(pids: Iterable[int]) -> list[tuple[int, int, int]]:
    """(local port, remote port, pid) of the IPv4 TCP sockets the processes hold (a listening
    socket, remote port 0, is held by every process it was handed to)."""
    holders: dict[str, list[int]] = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if link.startswith("socket:["):
                        holders.setdefault(link[8:-1], []).append(pid)
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        local, remote = (int(cols[i].split(":")[1], 16) for i in (1, 2))
        found += [(local, remote, pid) for pid in holders.get(cols[9], [])]
    return found


class Fleet:
    """`voucherd serve --workers 2` and two `voucherd worker`s on one fresh database."""

    def __init__(self, url: str, workdir: Path, cfg: argparse.Namespace) -> None:
        self.url, self.workdir, self.cfg = url, workdir, cfg
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.engine = direct_engine(url)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.api_owner: dict[int, int] = {}  # client port -> API process
        self.worker_owner: dict[int, int] = {}  # worker's port -> worker process
        self.peak_connections = 0
        self.max_connections = 0
        self.retired: dict[str, int | None] = {}  # workers stopped on purpose: exit code

    async def sql(self, statement: str, **params: Any) -> Result[Any]:
        stmt = text(statement)
        if "expanding" in params:
            stmt = stmt.bindparams(bindparam(params.pop("expanding"), expanding=True))
        async with self.engine.begin() as conn:
            return await conn.execute(stmt, params)

    async def rows(self, statement: str, **params: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in (await self.sql(statement, **params)).all()]

    async def pairs(self, statement: str, **params: Any) -> dict[Any, Any]:
        return {r[0]: r[1] for r in await self.rows(statement, **params)}

    async def column(self, statement: str, **params: Any) -> list[Any]:
        return list((await self.sql(statement, **params)).scalars().all())

    def spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "VOUCHERD_DATABASE_URL": self.url,
            "VOUCHERD_APP_ID": APP["X-App-Id"],
            "VOUCHERD_APP_TOKEN": APP["X-App-Token"],
            "VOUCHERD_MANAGEMENT_ID": MANAGEMENT["X-Management-Id"],
            "VOUCHERD_MANAGEMENT_TOKEN": MANAGEMENT["X-Management-Token"],
            "VOUCHERD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
            "VOUCHERD_WEBHOOK_MAX_IN_FLIGHT": str(self.cfg.worker_lanes),
            "VOUCHERD_DB_POOL_SIZE": str(self.cfg.api_pool),
            "VOUCHERD_DB_MAX_OVERFLOW": str(self.cfg.api_overflow),
            "VOUCHERD_LOG_LEVEL": "warning",
            # 1 s timeout (the receiver answers in 20 ms) and a 5 s lease instead of 10 s and
            # 35 s: the stopped worker's endpoints pass to another within the run.
            "VOUCHERD_WEBHOOK_TIMEOUT_SECONDS": "1",
            "VOUCHERD_WEBHOOK_LEASE_SECONDS": "5",
        }
        # The working directory is the temporary one, so no stray `.env` changes the settings.
        with (self.workdir / f"{name}.log").open("wb") as log:
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "voucherd.cli", *args],
                env=env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self.procs[name]

    async def migrate_twice(self) -> str:
        """The release step, run twice at once as two deploy hooks might: "exit codes / heads"."""
        procs = [self.spawn(f"migrate-{i}", "migrate") for i in (1, 2)]
        codes = [await asyncio.to_thread(p.wait, STARTUP_TIMEOUT_S) for p in procs]
        [heads] = await self.column("SELECT count(*) FROM alembic_version")
        return f"{codes[0]} {codes[1]} / {heads}"

    async def start(self) -> None:
        serve = self.spawn(
            "serve", "serve", "--workers", "2", "--no-with-worker", "--port", str(self.port)
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        async with httpx.AsyncClient(base_url=self.base_url, timeout=1) as client:
            while True:
                if serve.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"voucherd serve did not start:\n{tail(self.workdir / 'serve.log')}"
                    )
                # Healthy, and both API processes hold the listening socket.
                api = descendants(serve.pid)
                listening = {p for lp, rp, p in sockets(api) if (lp, rp) == (self.port, 0)}
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/health")).status_code == 200 and len(listening) >= 2:
                        break
                await asyncio.sleep(0.2)
        for i in (1, 2):
            self.spawn(f"worker-{i}", "worker")
        [self.max_connections] = await self.column("SHOW max_connections")

    def client(self, connections: int) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        return httpx.AsyncClient(base_url=self.base_url, headers=APP, limits=limits, timeout=120)

    async def subscribe(self, receiver: Receiver, count: int, events: list[str]) -> list[str]:
        async with httpx.AsyncClient(base_url=self.base_url, headers=MANAGEMENT) as client:
            projects = ok(await client.get("/management/v1/projects"), "projects")
            path = f"/management/v1/projects/{projects['data'][0]['id']}/webhooks"
            hooks = [
                ok(
                    await client.post(
                        path, json={"target_url": f"{receiver.url}?n={n}", "events": events}
                    ),
                    "webhook",
                )
                for n in range(count)
            ]
        return [str(h["id"]) for h in hooks]

    def _sample(self, receiver_port: int) -> None:
        api = descendants(self.procs["serve"].pid)
        workers = {p.pid for n, p in list(self.procs.items()) if n.startswith("worker")}
        for local, remote, pid in sockets(api | workers):
            if pid in api and local == self.port and remote:
                self.api_owner[remote] = pid
            elif pid in workers and remote == receiver_port:
                self.worker_owner[local] = pid

    @contextlib.asynccontextmanager
    async def sampling(self, receiver_port: int) -> AsyncIterator[None]:
        """Note which process owns which connection, and the peak of database connections."""
        stop = threading.Event()

        def attribute() -> None:
            while not stop.is_set():
                self._sample(receiver_port)
                stop.wait(SAMPLE_SECONDS)

        async def connections() -> None:
            while not stop.is_set():
                sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                [n] = await self.column(sql)
                self.peak_connections = max(self.peak_connections, int(n) - 1)  # minus ours
                await asyncio.sleep(SAMPLE_SECONDS)

        thread = threading.Thread(target=attribute, daemon=True)
        thread.start()
        watcher = asyncio.create_task(connections())
        try:
            yield
        finally:
            stop.set()
            await watcher
            thread.join()

    def split(
        self, ports: Iterable[int | None], peers: Counter[int]
    ) -> tuple[Counter[str], Counter[str]]:
        """Requests per API process (by the client's port of each request) and deliveries per
        worker (by the sender's port); "unseen": a connection no sample caught."""
        names = {p.pid: n for n, p in self.procs.items()}
        api = Counter(
            f"pid {self.api_owner[p]}" if p in self.api_owner else "unseen" for p in ports
        )
        hooks: Counter[str] = Counter()
        for port, n in peers.items():
            hooks[names[self.worker_owner[port]] if port in self.worker_owner else "unseen"] += n
        return api, hooks

    async def replace_worker(self) -> None:
        """Stop a worker mid-load (SIGTERM, as a deploy or scale-down does) and start another."""
        old = self.procs["worker-2"]
        old.terminate()
        self.retired["worker-2"] = await asyncio.to_thread(old.wait, 30)
        self.spawn("worker-3", "worker")

    def health(self) -> str:
        dead = [
            n
            for n, p in self.procs.items()
            if "migrate" not in n and n not in self.retired and p.poll() is not None
        ]
        traced = [
            n
            for n in self.procs
            if "Traceback" in (self.workdir / f"{n}.log").read_text(errors="replace")
        ]
        return "yes" if not dead and not traced else f"no: exited {dead}, tracebacks {traced}"

    def budget(self) -> str:
        api = 2 * (self.cfg.api_pool + self.cfg.api_overflow)
        return (
            f"database connections: peak {self.peak_connections} in use; API pools allow {api} "
            f"(2 x ({self.cfg.api_pool} + {self.cfg.api_overflow})), each `voucherd worker` "
            f"10 + 10; max_connections {self.max_connections}"
        )

    async def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                await asyncio.to_thread(proc.wait, 15)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait)
        await self.engine.dispose()
