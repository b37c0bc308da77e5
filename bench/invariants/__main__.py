"""Randomized invariant checker: a seeded concurrent workload, then conservation laws.

    .venv/bin/python -m bench.invariants --seed 7 --clients 16 --operations 5000
        [--pg-url postgresql://postgres@127.0.0.1:5432/test] [--duration 600]
        [--weights gift_put=10,redeem=20] [--only redeem,gift_put]
        [--repeat 20 --stop-on gift.conservation] [--expect-broken card.limit,publish.count]

Creates a scratch PostgreSQL database next to --pg-url (dropped at the end), migrates it and
drives the app in-process (real HTTP requests through the ASGI app, the worker's jobs called
directly, the clock moved between steps). Each run gets its own project; --repeat runs seeds
seed, seed+1, ... and --stop-on stops at the first run that breaks the named law (printing
how many runs and seconds it took). Exit 1 if a law broke; with --expect-broken, exit 0 only
if every named law broke (a known-broken build must be caught).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.invariants.engine import DEFAULT_WEIGHTS, Config, Report, run
from bench.server import DEFAULT_PG_URL, fresh_database
from voucherd.app import create_app
from voucherd.config import Settings
from voucherd.kit.db import Database
from voucherd.migrate import upgrade
from voucherd.projects import service as projects


async def one_run(cfg: Config, db: Database, url: str) -> Report:
    async with db.transaction() as session:
        project = await projects.create_project(session, f"invariants-{cfg.seed}")
        key = await projects.issue_key(session, kind="app", project_id=project.id)
    app = create_app(Settings(database_url=url, embedded_worker=False), db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"X-App-Id": key.key_id, "X-App-Token": key.token}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.invariants", headers=headers
    ) as http:
        return await run(cfg, http, db, project.id)


def weights(spec: str | None, only: str | None) -> dict[str, float]:
    chosen = dict(DEFAULT_WEIGHTS)
    if only:
        keep = {name.strip() for name in only.split(",")}
        if unknown := keep - set(chosen):
            raise SystemExit(f"unknown operations {sorted(unknown)}; known: {', '.join(chosen)}")
        chosen = {name: (w if name in keep else 0.0) for name, w in chosen.items()}
    for part in (spec or "").split(","):
        if part.strip():
            name, _, value = part.partition("=")
            if name.strip() not in chosen:
                raise SystemExit(f"unknown operation {name!r}; known: {', '.join(chosen)}")
            chosen[name.strip()] = float(value)
    return chosen


async def main_async(args: argparse.Namespace) -> int:
    started = time.monotonic()
    reports: list[Report] = []
    engine = "sqlite" if args.sqlite else "postgresql"
    async with fresh_database(engine, Path(tempfile.mkdtemp()), args.pg_url) as url:
        await upgrade(url)
        db = Database(url, pool_size=20, max_overflow=40)
        try:
            for n in range(args.repeat):
                cfg = Config(
                    seed=args.seed + n,
                    clients=args.clients,
                    in_flight=max(args.in_flight, args.clients),
                    operations=args.operations,
                    duration=args.duration,
                    weights=weights(args.weights, args.only),
                )
                report = await one_run(cfg, db, url)
                reports.append(report)
                if not args.quiet or report.violations:
                    print(report.text, flush=True)
                else:
                    print(f"seed {cfg.seed}: {report.operations} operations, all laws hold")
                if args.stop_on and any(law.startswith(args.stop_on) for law in report.broken):
                    print(
                        f"\n{args.stop_on} broke on run {n + 1} (seed {cfg.seed}) after"
                        f" {time.monotonic() - started:.1f} s in all"
                    )
                    break
        finally:
            await db.dispose()
    broken = set().union(*(r.broken for r in reports))
    if args.expect_broken:
        expected = set(args.expect_broken.split(","))
        missed = expected - broken
        print(f"expected broken: {sorted(expected)}; missed: {sorted(missed) or 'none'}")
        return 1 if missed else 0
    return 1 if broken else 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--clients", type=int, default=16, help="operations in flight per step")
    p.add_argument(
        "--in-flight", type=int, default=24, help="requests at once, at most (connections)"
    )
    p.add_argument("--operations", type=int, default=2_000, help="operations per run")
    p.add_argument("--duration", type=float, default=None, help="seconds per run, at most")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL, help="server to create the database on")
    p.add_argument("--sqlite", action="store_true", help="SQLite (one writer: finds no race)")
    p.add_argument("--weights", help="operation weights, e.g. gift_put=10,toggle=0")
    p.add_argument("--only", help="only these operations, e.g. redeem,gift_put")
    p.add_argument("--repeat", type=int, default=1, help="runs, with seeds seed, seed+1, ...")
    p.add_argument("--stop-on", help="stop at the first run breaking a law (name or prefix)")
    p.add_argument("--expect-broken", help="laws a known-broken build must break (exit 0 if so)")
    p.add_argument("--quiet", action="store_true", help="only print runs that break a law")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(main_async(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
