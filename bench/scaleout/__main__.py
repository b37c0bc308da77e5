"""Scale-out on PostgreSQL: two API processes and two `voucherd worker`s keep every invariant.

    .venv/bin/python -m bench.scaleout [--pg-url postgresql://postgres@127.0.0.1:5432/test]
        [--codes 200] [--attempts 5] [--cards 20] [--rewards 3] [--orders 100] [--endpoints 4]

On a fresh database next to --pg-url (dropped at the end): two `voucherd migrate` at once (the
release step; the advisory lock lets one migrate), `voucherd serve --workers 2 --no-with-worker`
and two `voucherd worker`s. Webhook endpoints point at a local receiver that answers after
20 ms and notes, per send-out id, how many deliveries arrived and whether two were ever in
flight at once. Then, interleaved through --concurrency connections: every single-use code
redeemed by --attempts requests at once; every loyalty card, holding points for --rewards
rewards, asked for three times as many; every order saved as PAID by --attempts requests at
once. The invariants are checked against the database and the receiver; exit 1 if one fails.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.scaleout.fleet import Fleet, Receiver
from bench.scaleout.workloads import Answer, Row, Scenario, coupons, earning, rewards, row, send
from bench.server import DEFAULT_PG_URL, fresh_database

# The events the endpoints subscribe to: one per kind of write the load makes.
SUBSCRIBED = [
    "redemption.succeeded",
    "customer.rewarded",
    "customer.order.paid",
    "voucher.loyalty_card.points_added",
]


def interleave(scenarios: list[Scenario]) -> Iterator[tuple[Scenario, list[tuple[str, str, Any]]]]:
    queues = [[(s, calls) for _, calls in s.groups] for s in scenarios]
    for i in range(max(len(q) for q in queues)):
        yield from (q[i] for q in queues if i < len(q))


async def drive(
    client: httpx.AsyncClient,
    scenarios: list[Scenario],
    concurrency: int,
    midway: Callable[[], Awaitable[None]],
) -> float:
    """Fire every group's requests together (tasks queue on one gate, in group order), and
    call `midway` when half the groups are answered."""
    gate = asyncio.Semaphore(concurrency)
    started = time.monotonic()
    pending: list[tuple[Scenario, list[asyncio.Task[Answer]]]] = []
    for scenario, calls in interleave(scenarios):
        pending.append((scenario, [asyncio.create_task(send(client, gate, *c)) for c in calls]))
    for n, (scenario, tasks) in enumerate(pending):
        scenario.answers.append(list(await asyncio.gather(*tasks)))
        if n == len(pending) // 2:
            await midway()
    return time.monotonic() - started


async def webhook_rows(
    fleet: Fleet, receiver: Receiver, endpoints: list[str], wait_seconds: float
) -> list[Row]:
    deadline = time.monotonic() + wait_seconds
    open_ = -1
    while time.monotonic() < deadline:
        [open_] = await fleet.column(
            "SELECT count(*) FROM webhook_sendouts WHERE status IN ('PENDING', 'DELIVERING')"
        )
        if open_ == 0:
            break
        await asyncio.sleep(0.25)
    events = set(
        await fleet.column(
            "SELECT id FROM events WHERE type IN :t", t=tuple(SUBSCRIBED), expanding="t"
        )
    )
    sendouts = await fleet.pairs("SELECT id, status FROM webhook_sendouts")
    missing = sum(len(events - receiver.events.get(e, set())) for e in endpoints)
    delivered = receiver.deliveries
    return [
        row(f"webhooks: send-outs open after <= {wait_seconds:.0f} s", 0, open_),
        row(
            "webhooks: send-outs SUCCEEDED",
            len(events) * len(endpoints),
            sum(1 for s in sendouts.values() if s == "SUCCEEDED"),
        ),
        row("webhooks: event x endpoint never received", 0, missing),
        row("webhooks: send-outs never received", 0, sum(1 for s in sendouts if delivered[s] == 0)),
        row("webhooks: same send-out in flight twice", 0, len(receiver.overlapped)),
        row(
            "webhooks: repeated deliveries (allowed)",
            "any",
            sum(n - 1 for n in delivered.values() if n > 1),
            True,
        ),
    ]


async def exercise(fleet: Fleet, receiver: Receiver, cfg: argparse.Namespace) -> list[Row]:
    migrated = await fleet.migrate_twice()
    rows = [row("2 `voucherd migrate` at once: exit codes / heads", "0 0 / 1", migrated)]
    await fleet.start()
    endpoints = await fleet.subscribe(receiver, cfg.endpoints, SUBSCRIBED)
    async with fleet.client(cfg.concurrency) as client:
        scenarios = [await make(fleet, client, cfg) for make in (coupons, rewards, earning)]
        async with fleet.sampling(receiver.port):
            seconds = await drive(client, scenarios, cfg.concurrency, fleet.replace_worker)
            hooks = await webhook_rows(fleet, receiver, endpoints, cfg.deliver_timeout)
    for scenario in scenarios:
        rows += await scenario.check(scenario.answers)
    answers = [a for s in scenarios for group in s.answers for a in group]
    rows += [row("no 5xx answers", 0, sum(1 for a in answers if a.status >= 500)), *hooks]
    by_api, by_worker = fleet.split((a.port for a in answers), receiver.peers)
    print(f"{len(answers)} requests in {seconds:.1f} s ({len(answers) / seconds:.0f}/s)")
    for what, counts in (("requests by API process", by_api), ("deliveries by worker", by_worker)):
        print(f"{what}: {', '.join(f'{k}: {n}' for k, n in sorted(counts.items()))}")
    workers = set(by_worker) - {"unseen"}
    return [
        *rows,
        row("API processes that answered requests", 2, len(set(by_api) - {"unseen"})),
        # worker-3 joins late and may find every endpoint leased: it is not required to deliver.
        row("workers that delivered webhooks", ">= 2", len(workers), len(workers) >= 2),
        row("worker-2 exit code after SIGTERM", 0, fleet.retired.get("worker-2")),
        row("processes alive, logs free of tracebacks", "yes", fleet.health()),
    ]


async def run(cfg: argparse.Namespace) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="voucherd-scaleout-"))
    receiver = Receiver()
    with receiver:
        async with fresh_database("postgresql", workdir, cfg.pg_url) as url:
            fleet = Fleet(url, workdir, cfg)
            try:
                rows = await exercise(fleet, receiver, cfg)
            finally:
                await fleet.stop()
    print(fleet.budget())
    width = max(len(r.invariant) for r in rows)
    print(f"\n{'invariant':<{width}}  {'expected':>14}  {'observed':>14}  verdict")
    for r in rows:
        verdict = "ok" if r.ok else "FAIL"
        print(f"{r.invariant:<{width}}  {r.expected:>14}  {r.observed:>14}  {verdict}")
    passed = all(r.ok for r in rows)
    print("\nall invariants hold" if passed else f"\nINVARIANT VIOLATED (logs: {workdir})")
    if passed:
        shutil.rmtree(workdir, ignore_errors=True)
    return passed


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--pg-url", default=DEFAULT_PG_URL, help="server to create the database on")
    p.add_argument("--codes", type=int, default=200, help="single-use codes")
    p.add_argument("--attempts", type=int, default=5, help="concurrent requests per code / order")
    p.add_argument("--cards", type=int, default=20, help="loyalty cards")
    p.add_argument("--rewards", type=int, default=3, help="rewards each card can afford")
    p.add_argument("--orders", type=int, default=100, help="orders saved as PAID")
    p.add_argument("--endpoints", type=int, default=4, help="webhook endpoints")
    p.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    p.add_argument(
        "--deliver-timeout", type=float, default=60.0, help="seconds to wait for delivery"
    )
    p.add_argument("--api-pool", type=int, default=6, help="VOUCHERD_DB_POOL_SIZE of the API")
    p.add_argument(
        "--api-overflow", type=int, default=4, help="VOUCHERD_DB_MAX_OVERFLOW of the API"
    )
    # Two lanes per worker with four endpoints: both workers must deliver, and endpoints
    # change hands between them as lanes end, which is where a double send would happen.
    p.add_argument("--worker-lanes", type=int, default=2, help="VOUCHERD_WEBHOOK_MAX_IN_FLIGHT")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    cfg = parse(argv)
    return 0 if asyncio.run(run(cfg)) else 1


if __name__ == "__main__":
    sys.exit(main())
