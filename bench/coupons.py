"""Coupon throughput of a real `voucherd serve`: codes generated per second, redemptions per second.

    python -m bench.coupons [--db sqlite|postgres] [--codes 100000] [--redemptions 2000]
                            [--concurrency 32] [--pg-url postgresql://postgres@127.0.0.1:5432/test]

The server runs in a subprocess on a fresh database (a temporary SQLite file, or the PostgreSQL
database given, whose `public` schema is DROPPED and recreated). Only the measured HTTP calls are
timed: starting the server, creating the redemption campaign and reading its codes are not.
The exit status is 1 when any redemption answers something other than 200, or when the stored
results disagree with what the answers claimed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
STARTUP_TIMEOUT_S = 120.0
PAGE = 100
ORDER_ITEMS: list[dict[str, Any]] = [
    {"source_id": "bench-prod-a", "related_object": "product", "quantity": 1, "price": 3500},
    {"source_id": "bench-prod-b", "related_object": "product", "quantity": 2, "price": 7999},
]


@dataclass(frozen=True)
class Server:
    base_url: str
    headers: dict[str, str]


@dataclass
class RedemptionRun:
    seconds: float
    latencies: list[float]
    failures: int
    statuses: dict[int, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    mismatch: str | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _reset_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from voucherd.kit.db import async_url

    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def _voucherd_command() -> list[str]:
    script = Path(sys.executable).with_name("voucherd")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "voucherd.cli"]


@contextlib.contextmanager
def running_server(database_url: str, workdir: Path) -> Iterator[Server]:
    """`voucherd serve` in a subprocess (it migrates on start), stopped on exit."""
    port = _free_port()
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
    log_path = workdir / "server.log"
    # `serve` sets VOUCHERD_EMBEDDED_WORKER from its own flag, so the flag is needed as well.
    # The working directory is the temporary one so that no stray `.env` changes the settings.
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*_voucherd_command(), "serve", "--no-with-worker"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_healthy(proc, base_url, log_path)
        yield Server(base_url, {"X-App-Id": app_id, "X-App-Token": app_token})
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_healthy(proc: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voucherd exited with {proc.returncode}:\n{_tail(log_path)}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"voucherd did not become healthy:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _campaign(name: str, count: int) -> dict[str, Any]:
    return {
        "name": name,
        "campaign_type": "DISCOUNT_COUPONS",
        "type": "STATIC",
        "vouchers_count": count,
        "voucher": {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "PERCENT", "percent_off": 10, "effect": "APPLY_TO_ORDER"},
            "redemption": {"quantity": 1},
            # 36^10 possible codes: collisions stay negligible even for millions of codes.
            "code_config": {"length": 10, "charset": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        },
    }


@contextlib.asynccontextmanager
async def _client(server: Server, connections: int) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=server.headers, limits=limits, timeout=600
    ) as client:
        yield client


def _ok(resp: httpx.Response, what: str) -> dict[str, Any]:
    if resp.status_code != 200:
        raise RuntimeError(f"{what}: HTTP {resp.status_code} {resp.text[:500]}")
    body: dict[str, Any] = resp.json()
    return body


async def _stored_vouchers(client: httpx.AsyncClient, campaign_id: str) -> int:
    resp = await client.get("/v1/vouchers", params={"campaign_id": campaign_id, "limit": 1})
    return int(_ok(resp, "count vouchers")["total"])


async def measure_generation(server: Server, count: int) -> tuple[float, int]:
    """Seconds for one `POST /v1/campaigns` that generates and stores `count` codes."""
    async with _client(server, 1) as client:
        await client.get("/health")  # the connection is open before the clock starts
        started = time.perf_counter()
        resp = await client.post("/v1/campaigns", json=_campaign("Bench codes", count))
        seconds = time.perf_counter() - started
        campaign = _ok(resp, "create campaign")
        stored = await _stored_vouchers(client, campaign["id"])
    if campaign.get("vouchers_count") != count or stored != count:
        raise RuntimeError(
            f"asked for {count} codes: campaign says {campaign.get('vouchers_count')}, "
            f"{stored} stored"
        )
    return seconds, stored


async def _codes_of(client: httpx.AsyncClient, campaign_id: str, count: int) -> list[str]:
    codes: list[str] = []
    after: str | None = None
    while len(codes) < count:
        params: dict[str, Any] = {"campaign_id": campaign_id, "limit": PAGE}
        if after is not None:
            params["starting_after_id"] = after
        page = _ok(await client.get("/v1/vouchers", params=params), "list vouchers")["vouchers"]
        if not page:
            break
        codes.extend(v["code"] for v in page)
        after = page[-1]["id"]
    if len(codes) != count or len(set(codes)) != count:
        raise RuntimeError(f"expected {count} distinct codes, read {len(set(codes))}")
    return codes


async def measure_redemptions(server: Server, count: int, concurrency: int) -> RedemptionRun:
    async with _client(server, concurrency) as client:
        campaign = _ok(
            await client.post("/v1/campaigns", json=_campaign("Bench redemptions", count)),
            "create redemption campaign",
        )
        codes = await _codes_of(client, campaign["id"], count)
        queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        for item in enumerate(codes):
            queue.put_nowait(item)
        # Open every connection before the clock starts.
        await asyncio.gather(*(client.get("/health") for _ in range(concurrency)))
        run = RedemptionRun(seconds=0.0, latencies=[], failures=0)

        async def worker() -> None:
            while True:
                try:
                    index, code = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                body = {
                    "redeemables": [{"object": "voucher", "id": code}],
                    "customer": {"source_id": f"bench-customer-{index}"},
                    "order": {"items": ORDER_ITEMS},
                }
                started = time.perf_counter()
                try:
                    resp = await client.post("/v1/redemptions", json=body)
                    status, text = resp.status_code, resp.text
                except httpx.HTTPError as exc:
                    status, text = 0, repr(exc)
                run.latencies.append(time.perf_counter() - started)
                run.statuses[status] = run.statuses.get(status, 0) + 1
                if status != 200:
                    run.failures += 1
                    if len(run.samples) < 5:
                        run.samples.append(f"{code}: HTTP {status} {text[:300]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        run.seconds = time.perf_counter() - started

        # The answers are checked against what was stored (not timed).
        listed = _ok(
            await client.get("/v1/redemptions", params={"campaign": campaign["id"], "limit": 1}),
            "list redemptions",
        )
        succeeded = run.statuses.get(200, 0)
        if int(listed["total"]) != succeeded:
            run.mismatch = f"{succeeded} answered 200 but {listed['total']} redemptions are stored"
    return run


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, round(pct / 100 * len(ordered)))  # nearest rank
    return ordered[min(rank, len(ordered)) - 1]


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {value}" for name, value in rows)


async def _prepare(db: str, pg_url: str, workdir: Path) -> str:
    if db == "postgres":
        await _reset_postgres(pg_url)
        return pg_url
    return f"sqlite:///{workdir / 'bench.sqlite3'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.coupons", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--codes", type=int, default=100_000, help="codes in the generated campaign"
    )
    parser.add_argument("--redemptions", type=int, default=2000, help="single-use codes redeemed")
    parser.add_argument("--concurrency", type=int, default=32, help="redemptions in flight")
    parser.add_argument(
        "--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL database (its public schema is reset)"
    )
    args = parser.parse_args(argv)
    if args.codes < 1 or args.redemptions < 1 or args.concurrency < 1:
        parser.error("--codes, --redemptions and --concurrency must be positive")

    with tempfile.TemporaryDirectory(prefix="voucherd-bench-") as tmp:
        workdir = Path(tmp)
        database_url = asyncio.run(_prepare(args.db, args.pg_url, workdir))
        print(f"voucherd on {args.db}: starting the server (migrations run on start)…", flush=True)
        with running_server(database_url, workdir) as server:
            print(f"generating {args.codes} codes in one POST /v1/campaigns…", flush=True)
            gen_seconds, stored = asyncio.run(measure_generation(server, args.codes))
            print(f"redeeming {args.redemptions} codes, {args.concurrency} in flight…", flush=True)
            run = asyncio.run(measure_redemptions(server, args.redemptions, args.concurrency))

    done = len(run.latencies)
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(run.statuses.items()))
    print()
    print(f"voucherd coupons benchmark ({args.db})")
    print(
        _table(
            [
                ("codes generated and stored", f"{stored}"),
                ("generation time", f"{gen_seconds:.2f} s"),
                ("codes/s", f"{stored / gen_seconds:,.0f}"),
                ("redemptions sent", f"{done} (concurrency {args.concurrency})"),
                ("redemption time", f"{run.seconds:.2f} s"),
                ("redemptions/s", f"{done / run.seconds:,.1f}"),
                ("latency p50", f"{_percentile(run.latencies, 50) * 1000:.1f} ms"),
                ("latency p99", f"{_percentile(run.latencies, 99) * 1000:.1f} ms"),
                ("statuses", statuses),
                ("non-200 answers", f"{run.failures}"),
            ]
        )
    )
    for sample in run.samples:
        print(f"  ! {sample}")
    if run.mismatch:
        print(f"  ! {run.mismatch}")
    return 1 if run.failures or run.mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
