"""`make bench` row `simulate`: orders per second the console's program simulator replays
(issue 16: 10,000 orders in under 10 s), for a changed earning rule and for a draft discount.

In process, against a fresh database: a loyalty program with a proportional rule, three
tiers and a few hundred members is made through the API (in-process ASGI), then N paid
orders of two lines each are inserted in bulk, and `simulate_earning` / `simulate_discount`
(what `POST /console/simulator` runs) are timed over their month.

    python -m bench.simulate [--orders 10000] [--db sqlite|postgres] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from bench.server import DEFAULT_PG_URL, fresh_database
from voucherd.app import create_app
from voucherd.config import Settings
from voucherd.console.simulation_discount import DiscountDraft, simulate_discount
from voucherd.console.simulation_earning import EarningDraft, simulate_earning
from voucherd.kit.context import RequestContext
from voucherd.kit.db import Database
from voucherd.kit.ids import Prefix, new_id, new_request_id
from voucherd.migrate import upgrade
from voucherd.orders.models import Order, OrderItem
from voucherd.projects import service as projects
from voucherd.rules.language import parse_rules

MEMBERS = 500
ORDERS = 10_000  # issue 16: 10,000 orders in under 10 s
TARGET_SECONDS = 10.0
START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SimulateRun:
    orders: int
    earning_seconds: float
    discount_seconds: float
    cpu_seconds: float  # this process's CPU time for both replays (a shared machine's wall
    # clock counts the other processes' turns too)

    @property
    def slowest(self) -> float:
        return max(self.earning_seconds, self.discount_seconds)

    @property
    def rate(self) -> float:
        return self.orders / self.slowest


def _ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _program(db: Database, url: str, workdir: Path) -> tuple[str, str, list[str]]:
    """(project id, program id, member customer ids), made through the API."""
    async with db.transaction() as session:
        project = await projects.create_project(session, "simulate bench")
        key = await projects.issue_key(session, kind="app", project_id=project.id)
    app = create_app(Settings(database_url=url, embedded_worker=False, data_dir=workdir), db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench.test",
        headers={"X-App-Id": key.key_id, "X-App-Token": key.token},
    ) as api:
        program = _ok(
            await api.post(
                "/v1/loyalties",
                json={
                    "name": "Bench stars",
                    "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
                },
            )
        )
        _ok(
            await api.post(
                f"/v1/loyalties/{program['id']}/tiers",
                json=[
                    {"name": "Bronze", "points": {"from": 100, "to": 499}},
                    {"name": "Silver", "points": {"from": 500, "to": 999}},
                    {"name": "Gold", "points": {"from": 1000}},
                ],
            )
        )
        _ok(
            await api.post(
                f"/v1/loyalties/{program['id']}/earning-rules",
                json=[
                    {
                        "event": "order.paid",
                        "loyalty": {
                            "type": "PROPORTIONAL",
                            "calculation_type": "ORDER_AMOUNT",
                            "order": {"amount": {"every": 1000, "points": 1}},
                        },
                    }
                ],
            )
        )
        members = []
        for n in range(MEMBERS):
            card = _ok(
                await api.post(
                    f"/v1/loyalties/{program['id']}/members",
                    json={"customer": {"source_id": f"bench-{n}", "metadata": {"n": n}}},
                )
            )
            members.append(card["holder_id"])
    return project.id, program["id"], members


async def _orders(db: Database, project_id: str, customers: list[str], count: int) -> None:
    """`count` paid orders of two lines over 30 days, inserted in bulk."""
    orders: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for n in range(count):
        order_id = new_id(Prefix.ORDER)
        paid = START + timedelta(seconds=n * 30 * 86_400 // count)
        lines = [(1 + n % 3, 1000 + 37 * (n % 50)), (1, 450 + n % 900)]
        amount = sum(q * p for q, p in lines)
        orders.append(
            {
                "id": order_id, "project_id": project_id, "source_id": f"bench-order-{n}",
                "status": "PAID", "customer_id": customers[n % len(customers)],
                "amount": amount, "initial_amount": amount, "discount_amount": 0,
                "items_discount_amount": 0, "redemptions": {}, "metadata_": {"n": n},
                "paid_at": paid, "created_at": paid,
            }
        )  # fmt: skip
        for position, (quantity, price) in enumerate(lines):
            items.append(
                {
                    "id": new_id(Prefix.ORDER_ITEM), "order_id": order_id, "position": position,
                    "source_id": f"product-{(n + position) % 40}", "quantity": quantity,
                    "price": price, "amount": quantity * price, "discount_amount": 0,
                    "metadata_": {},
                }
            )  # fmt: skip
    async with db.transaction() as session:
        for start in range(0, count, 2000):
            await session.execute(insert(Order), orders[start : start + 2000])
            await session.execute(insert(OrderItem), items[2 * start : 2 * start + 4000])


async def measure(url: str, orders: int, workdir: Path) -> SimulateRun:
    await upgrade(url)
    db = Database(url)
    try:
        project_id, program_id, members = await _program(db, url, workdir)
        await _orders(db, project_id, members, orders)
        ctx = RequestContext(project_id=project_id, request_id=new_request_id())
        end = START + timedelta(days=31)
        async with db.transaction(write=False) as session:
            from voucherd.campaigns import repository as campaigns

            program = await campaigns.get(session, project_id, program_id)
            assert program is not None
            rule = parse_rules(
                {"1": {"name": "order.amount", "conditions": {"$more_than": [2000]}}, "logic": "1"}
            )
            draft = EarningDraft(
                program,
                {
                    "type": "PROPORTIONAL",
                    "calculation_type": "ORDER_AMOUNT",
                    "order": {"amount": {"every": 500, "points": 2}},
                },
                rules=rule,
            )
            cpu = time.process_time()
            started = time.perf_counter()
            earning = await simulate_earning(session, ctx, draft, START, end)
            earning_seconds = time.perf_counter() - started
            started = time.perf_counter()
            discount = await simulate_discount(
                session,
                ctx,
                DiscountDraft({"type": "PERCENT", "percent_off": 10}, rule),
                START,
                end,
            )
            discount_seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
        assert earning.orders == discount.orders == orders, (earning.orders, discount.orders)
        assert earning.simulated.total > 0 and discount.simulated.total > 0
    finally:
        await db.dispose()
    return SimulateRun(orders, earning_seconds, discount_seconds, cpu)


async def amain(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="voucherd-bench-") as tmp:
        async with fresh_database(args.db, Path(tmp), args.pg_url) as url:
            run = await measure(url, args.orders, Path(tmp))
    print(
        f"simulate [{args.db}]: {run.orders:,} orders, earning draft {run.earning_seconds:.2f} s "
        f"({run.orders / run.earning_seconds:,.0f} orders/s), discount draft "
        f"{run.discount_seconds:.2f} s ({run.orders / run.discount_seconds:,.0f} orders/s), "
        f"CPU {run.cpu_seconds:.2f} s for both; "
        f"target {run.orders:,} in < {TARGET_SECONDS:.0f} s: "
        f"{'met' if run.slowest < TARGET_SECONDS else 'NOT met'}"
    )
    return 0 if run.slowest < TARGET_SECONDS else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    raise SystemExit(asyncio.run(amain(parser.parse_args())))


if __name__ == "__main__":
    main()
