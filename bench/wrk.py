"""HTTP load at a fixed concurrency: `wrk` with bench/lua/requests.lua, or an httpx fallback.

Each request is rendered by the caller and sent at most once (single-use codes, distinct
cards). wrk calls the script's request() once before the run to check it, so the first
request of the first thread's share is never sent; the second request of the list (the first
of the second thread, or the second of a single thread) always is. The run ends when the
first wrk thread has sent its whole share or at `max_seconds`, whichever comes first; the
rate is over the time actually spent.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.server import Server

LUA = Path(__file__).resolve().parent / "lua" / "requests.lua"
# One wrk thread per core: wrk is event driven, more threads only add contention here.
WRK_THREADS = 2
# A request slower than this counts as a timeout error (wrk's default, 2 s, is too short for a
# loaded 2-core machine; a timeout would hide a slow request from the percentiles).
TIMEOUT_S = 60


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    body: dict[str, Any] | None = None

    def line(self) -> str:
        body = orjson.dumps(self.body).decode() if self.body is not None else ""
        return f"{self.method}\t{self.path}\t{body}"


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    exhausted: bool
    generator: str
    sample_failure: str | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> bool:
        return self.non_2xx > 0 or self.socket_errors > 0


_wrk: tuple[str | None, str] | None = None


def ensure_wrk() -> tuple[str | None, str]:
    """The wrk binary (installed with apt-get when missing) and a note on how it was found."""
    global _wrk
    if _wrk is not None:
        return _wrk
    found = shutil.which("wrk")
    if found:
        _wrk = (found, "")
        return _wrk
    print("wrk is missing: installing it with `apt-get install -y wrk`…", flush=True)
    # A fresh machine may have no package lists yet: update them once and try again.
    for steps in (
        [["apt-get", "install", "-y", "wrk"]],
        [["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]],
    ):
        for step in steps:
            try:
                subprocess.run(step, check=False, capture_output=True, timeout=600)
            except (OSError, subprocess.TimeoutExpired):
                break
        if shutil.which("wrk"):
            break
    found = shutil.which("wrk")
    if found:
        _wrk = (found, "wrk was installed by the suite (`apt-get install -y wrk`)")
    else:
        print("could not install wrk: falling back to the httpx load generator", flush=True)
        _wrk = (None, "wrk unavailable (apt-get failed): rows marked httpx used Python's httpx")
    return _wrk


async def run_load(
    server: Server,
    requests: list[Req],
    workdir: Path,
    *,
    concurrency: int,
    max_seconds: float,
    tag: str,
) -> LoadResult:
    wrk, _note = ensure_wrk()
    if wrk is None:
        return await _run_httpx(server, requests, concurrency=concurrency, max_seconds=max_seconds)
    return await _run_wrk(
        wrk, server, requests, workdir, concurrency=concurrency, max_seconds=max_seconds, tag=tag
    )


async def _run_wrk(
    wrk: str,
    server: Server,
    requests: list[Req],
    workdir: Path,
    *,
    concurrency: int,
    max_seconds: float,
    tag: str,
) -> LoadResult:
    threads = max(1, min(WRK_THREADS, concurrency))
    prefix = workdir / f"wrk-{tag}"
    _write_lists(prefix, requests, threads)
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(concurrency),
        "-d",
        f"{max(1, round(max_seconds))}s",
        "--timeout",
        f"{TIMEOUT_S}s",
        "-s",
        str(LUA),
        *(arg for name, value in server.headers.items() for arg in ("-H", f"{name}: {value}")),
        "-H",
        "Content-Type: application/json",
        server.base_url,
        "--",
        str(prefix),
    ]
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    text = out.decode(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{text[-2000:]}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    samples = _failures(prefix, threads)
    return LoadResult(
        requests=int(data["requests"]),
        seconds=int(data["duration_us"]) / 1e6,
        p50_ms=int(data["p50_us"]) / 1000,
        p99_ms=int(data["p99_us"]) / 1000,
        non_2xx=int(data["status"]),
        socket_errors=sum(int(data[k]) for k in ("connect", "read", "write", "timeout")),
        exhausted=int(data["exhausted_threads"]) > 0,
        generator="wrk",
        sample_failure=samples[0] if samples else None,
    )


def _write_lists(prefix: Path, requests: list[Req], threads: int) -> None:
    """One list per wrk thread (`prefix.N`): threads never share a request."""
    for index in range(threads):
        share = requests[index::threads]
        Path(f"{prefix}.{index}").write_text("".join(r.line() + "\n" for r in share))
        Path(f"{prefix}.fail.{index}").unlink(missing_ok=True)


def _failures(prefix: Path, threads: int) -> list[str]:
    """The first non-2xx answer each thread saw (status and body), if any."""
    paths = [Path(f"{prefix}.fail.{index}") for index in range(threads)]
    return [p.read_text(errors="replace")[:300] for p in paths if p.exists()]


async def _run_httpx(
    server: Server, requests: list[Req], *, concurrency: int, max_seconds: float
) -> LoadResult:
    """The fallback: costs far more CPU than wrk, so its figures are pessimistic."""
    latencies: list[float] = []
    non_2xx = errors = 0
    sample: str | None = None
    pending = iter(requests)
    exhausted = False
    async with server.client(concurrency) as client:
        await asyncio.gather(*(client.get("/health") for _ in range(concurrency)))
        deadline = time.perf_counter() + max_seconds

        async def worker() -> None:
            nonlocal non_2xx, errors, sample, exhausted
            while time.perf_counter() < deadline and not exhausted:
                req = next(pending, None)
                if req is None:
                    exhausted = True  # as with wrk: the first idle connection ends the run
                    return
                started = time.perf_counter()
                try:
                    resp = await client.request(req.method, req.path, json=req.body)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if resp.status_code >= 300:
                    non_2xx += 1
                    sample = sample or f"{resp.status_code} {resp.text[:300]}"

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        seconds=seconds,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        non_2xx=non_2xx,
        socket_errors=errors,
        exhausted=exhausted,
        generator="httpx",
        sample_failure=sample,
    )


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return 0.0
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
