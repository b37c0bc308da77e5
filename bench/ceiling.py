"""The database's own ceiling for each write path: the minimal SQL, no HTTP, no Python app.

PostgreSQL: `pgbench` with a custom script (-f), prepared statements, as many clients as the
API run has connections, a random prefilled row per transaction. SQLite: a tight loop with
Python's sqlite3 module, WAL mode and one writer, which is how voucherd runs SQLite.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bench.ceiling_sql import SCENARIOS, id_params, payload_json, prefill, render, schema
from bench.server import autocommit_engine
from bench.wrk import percentile
from voucherd.kit.ids import new_id

PGBENCH = "pgbench"
PGBENCH_THREADS = 2  # one per core


@dataclass
class Ceiling:
    scenario: str
    tps: float
    p50_ms: float
    p99_ms: float
    transactions: int
    seconds: float
    failed: int = 0


async def prepare_postgres(database_url: str, rows: int) -> None:
    """Tables and prefilled rows in a fresh database (created by the caller)."""
    engine = autocommit_engine(database_url)
    try:
        async with engine.connect() as conn:
            for statement in schema("postgresql") + prefill("postgresql", rows):
                await conn.exec_driver_sql(statement)
            await conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        await engine.dispose()


def _pgbench_script(scenario: str, workdir: Path) -> Path:
    body = ";\n".join(render(s, "postgresql") for s in SCENARIOS[scenario])
    path = workdir / f"ceiling-{scenario}.sql"
    path.write_text(f"\\set v random(1, :rows)\nBEGIN;\n{body};\nCOMMIT;\n")
    return path


async def run_pgbench(
    database_url: str, scenario: str, rows: int, *, clients: int, seconds: int, workdir: Path
) -> Ceiling:
    script = _pgbench_script(scenario, workdir)
    log_dir = workdir / f"pgbench-{scenario}"
    log_dir.mkdir(exist_ok=True)
    defines = [f"rows={rows}"] + [
        f"{name}={payload_json(name)}"
        for name in sorted(set(re.findall(r"\{json:([^}]*)\}", " ".join(SCENARIOS[scenario]))))
    ]
    command = [
        PGBENCH,
        "-n",  # no vacuum of pgbench's own tables (there are none)
        "-M",
        "prepared",  # as asyncpg does
        "-c",
        str(clients),
        "-j",
        str(min(PGBENCH_THREADS, clients)),
        "-T",
        str(seconds),
        "-f",
        str(script),
        "--log",
        f"--log-prefix={log_dir / 'tx'}",
        *(arg for d in defines for arg in ("-D", d)),
        database_url,
    ]
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    text = out.decode(errors="replace")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", text)
    done = re.search(r"number of transactions actually processed: (\d+)", text)
    if proc.returncode != 0 or tps is None or done is None:
        raise RuntimeError(f"pgbench {scenario} failed ({proc.returncode}):\n{text[-3000:]}")
    failed = re.search(r"number of failed transactions: (\d+)", text)
    latencies: list[float] = []
    for log in log_dir.glob("tx*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():  # client, tx no, latency in µs, ...
                latencies.append(int(fields[2]) / 1000)
    latencies.sort()
    return Ceiling(
        scenario=scenario,
        tps=float(tps.group(1)),
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        transactions=int(done.group(1)),
        seconds=seconds,
        failed=int(failed.group(1)) if failed else 0,
    )


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    # The pragmas voucherd sets on every connection (src/voucherd/kit/db.py).
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def prepare_sqlite(path: Path, rows: int) -> None:
    conn = _sqlite_connect(path)
    try:
        conn.execute("BEGIN")
        for statement in schema("sqlite") + prefill("sqlite", rows):
            conn.execute(statement)
        conn.execute("COMMIT")
    finally:
        conn.close()


def run_sqlite(path: Path, scenario: str, rows: int, transactions: int) -> Ceiling:
    """`transactions` transactions in a row, one writer, BEGIN IMMEDIATE like voucherd's."""
    statements = [(render(s, "sqlite"), id_params(s)) for s in SCENARIOS[scenario]]
    payloads = {
        name: payload_json(name)
        for name in set(re.findall(r"\{json:([^}]*)\}", " ".join(SCENARIOS[scenario])))
    }
    conn = _sqlite_connect(path)
    latencies: list[float] = []
    try:
        started = time.perf_counter()
        for _ in range(transactions):
            t0 = time.perf_counter()
            now = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())
            v = random.randint(1, rows)
            conn.execute("BEGIN IMMEDIATE")
            for sql, ids in statements:
                params: dict[str, object] = {"v": v, "now": now, **payloads}
                for prefix in ids:
                    params[f"id_{prefix.replace('-', '_')}"] = new_id(prefix)
                conn.execute(sql, params).fetchall()
            conn.execute("COMMIT")
            latencies.append((time.perf_counter() - t0) * 1000)
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    latencies.sort()
    return Ceiling(
        scenario=scenario,
        tps=transactions / seconds,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        transactions=transactions,
        seconds=seconds,
    )
