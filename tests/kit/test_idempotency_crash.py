"""SIGKILL a real `voucherd serve` while keyed redemptions are in flight, restart it, and let
every client retry with its Idempotency-Key: each learns the true outcome of its own request.

Without keys this is the crash-run failure the issue reports: a redemption commits, its
client never hears the answer, retries, and is told `quantity_exceeded` (or redeems twice).
Some clients here are made to miss their answer on purpose (they send and never read), so
the run always has committed-but-unanswered requests, besides whatever the kill interrupts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import orjson
from sqlalchemy import select

from tests.conftest import ROOT, Backend, _free_port
from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.redemptions.models import Redemption

QUANTITY = 8
CLIENTS = 14
DEAF = 4  # clients 0..3 send their request and never read the answer


def _start(backend: Backend, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VOUCHERD_DATABASE_URL": backend.url,
        "VOUCHERD_LOG_LEVEL": "warning",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voucherd.cli",
                "serve",
                "--port",
                str(port),
                "--no-with-worker",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )


async def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        deadline = time.monotonic() + 60  # a loaded CI machine starts slowly
        while time.monotonic() < deadline:
            assert proc.poll() is None, "server exited during start"
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/health")).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise AssertionError("server did not become healthy")


def _body(code: str, client: int) -> bytes:
    return orjson.dumps(
        {
            "redeemables": [{"object": "voucher", "id": code}],
            "order": {"amount": 1000},
            "metadata": {"client": client},
        }
    )


def _headers(project: ProjectKeys, client: int) -> dict[str, str]:
    return {
        **project.headers,
        "Content-Type": "application/json",
        "Idempotency-Key": f"crash-client-{client}",
    }


async def _send_deaf(
    port: int, project: ProjectKeys, code: str, client: int
) -> asyncio.StreamWriter:
    """Send the request and keep the connection open without ever reading the answer."""
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = _body(code, client)
    head = "".join(
        f"{k}: {v}\r\n"
        for k, v in {
            **_headers(project, client),
            "Host": "voucherd.test",
            "Content-Length": str(len(body)),
        }.items()
    )
    writer.write(f"POST /v1/redemptions HTTP/1.1\r\n{head}\r\n".encode() + body)
    await writer.drain()
    return writer


async def _committed(db: Database, voucher_id: str) -> list[int]:
    """The client of each committed successful redemption of the code."""
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(Redemption.metadata_).where(
                Redemption.voucher_id == voucher_id, Redemption.result == "SUCCESS"
            )
        )
        return [int(m["client"]) for m in rows.scalars()]


async def _until_answered(
    base: str, project: ProjectKeys, code: str, client: int
) -> httpx.Response:
    """Retry (same key, same bytes) until the server gives a final answer."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        for _ in range(200):
            with contextlib.suppress(httpx.TransportError):
                resp = await http.post(
                    "/v1/redemptions",
                    content=_body(code, client),
                    headers=_headers(project, client),
                )
                if resp.status_code != 409:  # 409: the dead server's attempt still holds it
                    return resp
            await asyncio.sleep(0.05)
    raise AssertionError(f"client {client} never got an answer")


async def test_every_client_learns_its_outcome_after_a_sigkill(
    backend: Backend, db: Database, project: ProjectKeys, tmp_path: Path
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    server = _start(backend, port, log)
    deaf: list[asyncio.StreamWriter] = []
    try:
        await _wait_healthy(base, server)
        async with httpx.AsyncClient(base_url=base, headers=project.headers) as http:
            created = await http.post(
                "/v1/vouchers",
                json={
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 100},
                    "redemption": {"quantity": QUANTITY},
                },
            )
            assert created.status_code == 200, created.text
        code, voucher_id = created.json()["code"], created.json()["id"]

        # Phase 1: the deaf clients' requests commit unanswered; the others race the kill.
        deaf = [await _send_deaf(port, project, code, i) for i in range(DEAF)]
        deadline = time.monotonic() + 10
        while len(await _committed(db, voucher_id)) < DEAF:
            assert time.monotonic() < deadline, "the deaf clients' redemptions never committed"
            await asyncio.sleep(0.02)
        heard: dict[int, httpx.Response] = {}

        async def hearing(client: int) -> None:
            async with httpx.AsyncClient(base_url=base, timeout=10) as http:
                with contextlib.suppress(httpx.TransportError):
                    heard[client] = await http.post(
                        "/v1/redemptions",
                        content=_body(code, client),
                        headers=_headers(project, client),
                    )

        racing = [asyncio.create_task(hearing(i)) for i in range(DEAF, CLIENTS)]
        # Kill once two of them were answered (the rest are mid-flight or queued).
        while len(heard) < 2 and not all(t.done() for t in racing):  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        await asyncio.gather(*racing)
        before_restart = await _committed(db, voucher_id)

        # Phase 2: a new server; every client retries with its key until it is answered.
        server = _start(backend, port, log)
        await _wait_healthy(base, server)
        final = await asyncio.gather(
            *(_until_answered(base, project, code, i) for i in range(CLIENTS))
        )
    finally:
        for writer in deaf:
            writer.close()
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=15)

    committed = await _committed(db, voucher_id)
    succeeded = sorted(i for i, resp in enumerate(final) if resp.status_code == 200)
    # Each client ran exactly once (none twice, none lost), and heard the truth about it.
    assert sorted(committed) == succeeded, log.read_text()[-3000:]
    assert len(committed) == QUANTITY
    refusals = Counter(r.json()["key"] for r in final if r.status_code != 200)
    assert refusals == {"quantity_exceeded": CLIENTS - QUANTITY}
    # The deaf clients' redemptions committed before the kill and are theirs on retry.
    assert set(range(DEAF)) <= set(before_restart)
    for i in range(DEAF):
        assert final[i].status_code == 200 and final[i].headers["idempotent-replayed"] == "true"
    # Whoever heard an answer before the kill hears the same bytes again.
    for i, first in heard.items():
        assert (final[i].status_code, final[i].content) == (first.status_code, first.content)
