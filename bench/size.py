"""Does cost grow with data? Redeem throughput and balance reads with 1,000 rows vs 1,000,000.

Two servers on two fresh databases, each filled straight through SQL (bench/fill.py) with N
discount codes and N points-ledger rows (100 per loyalty card), then measured identically:
single-use codes redeemed at the API's concurrency, and `GET /v1/loyalties/members/{code}`
spread over the filled cards (`GET /v1/vouchers/{code}` while loyalty is missing).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from bench.coupons import measure_redeem
from bench.fill import Filled, fill, pad_py
from bench.results import Row, rate, verdict
from bench.server import fresh_database, running_server
from bench.wrk import LoadResult, Req, run_load

SIZE_SLOWDOWN = 0.20  # the target: at most 20 % slower with 1,000x the data


@dataclass
class SizeRun:
    rows: int
    filled: Filled
    redeem: LoadResult
    read: LoadResult
    read_path: str
    problems: list[str] = field(default_factory=list)


async def measure_size(
    engine: str,
    workdir: Path,
    pg_url: str,
    *,
    rows: int,
    redeem_count: int,
    read_count: int,
    warmup: int,
    concurrency: int,
    max_seconds: float,
) -> SizeRun:
    async with (
        fresh_database(engine, workdir, pg_url) as url,
        running_server(url, workdir) as server,
        server.client() as client,
    ):
        print(f"  size: filling {rows:,} vouchers and ledger rows…", flush=True)
        filled = await fill(server, client, rows, rows)
        print(f"  size: filled in {filled.seconds:.1f} s; measuring…", flush=True)
        redeem = await measure_redeem(
            server,
            client,
            workdir,
            count=redeem_count,
            warmup=warmup,
            concurrency=concurrency,
            max_seconds=max_seconds,
            tag=f"size-{rows}",
        )
        if filled.card_codes:
            codes = filled.card_codes
            path = "/v1/loyalties/members/{code}"
        else:
            codes = [pad_py("FILL", i) for i in range(1, min(rows, 10_000))]
            path = "/v1/vouchers/{code}"
        reads = [
            Req("GET", path.format(code=code))
            for code in itertools.islice(itertools.cycle(codes), warmup + read_count)
        ]
        if warmup:
            await run_load(
                server,
                reads[:warmup],
                workdir,
                concurrency=concurrency,
                max_seconds=max_seconds,
                tag=f"read-{rows}-warmup",
            )
        read = await run_load(
            server,
            reads[warmup:],
            workdir,
            concurrency=concurrency,
            max_seconds=max_seconds,
            tag=f"read-{rows}",
        )
    problems = list(redeem.problems)
    if filled.note:
        problems.append(filled.note)
    return SizeRun(rows, filled, redeem.result, read, path, problems)


def size_rows(engine: str, small: SizeRun, large: SizeRun) -> list[Row]:
    """Two table rows (redeem, read): the large run's figure against the small run's."""
    rows = []
    pairs = (
        ("redeem", "req/s", small.redeem, large.redeem),
        ("read", "reads/s", small.read, large.read),
    )
    for what, unit, a, b in pairs:
        row = Row(f"size: {what}", engine, target=f"≤ {SIZE_SLOWDOWN * 100:.0f} % slower")
        row.figure = f"{rate(b.rate, unit)} @ {large.rows:,}"
        row.ceiling = f"{rate(a.rate, unit)} @ {small.rows:,}"
        row.ratio = b.rate / a.rate if a.rate else None
        row.p50_ms, row.p99_ms = b.p50_ms, b.p99_ms
        slower = 1 - (row.ratio or 0)
        row.met = verdict(slower <= SIZE_SLOWDOWN)
        change = f"{slower * 100:.1f} % slower" if slower >= 0 else f"{-slower * 100:.1f} % faster"
        row.notes.append(
            f"{change} with {large.rows:,} rows; with {small.rows:,}: "
            f"p50 {a.p50_ms:.1f} ms, p99 {a.p99_ms:.1f} ms"
        )
        if what == "read":
            row.notes.append(f"GET {large.read_path}")
        else:
            row.notes.append(
                f"fill of {large.rows:,} vouchers + {large.filled.ledger_rows:,} ledger rows: "
                f"{large.filled.seconds:.0f} s"
            )
        for res in (a, b):
            if res.failed:
                row.met = "FAILED"
                row.notes.append(f"{res.non_2xx} non-2xx, e.g. {res.sample_failure}")
        if what == "redeem":
            row.notes.extend(small.problems + large.problems)
        rows.append(row)
    return rows
