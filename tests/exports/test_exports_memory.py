"""An export's memory does not grow with its rows: 200,000 customers are written with the
peak of traced allocations far below the file's size (a list of the rows would be larger
than the file)."""

from __future__ import annotations

import tracemalloc
from typing import Any

import httpx
from sqlalchemy import String, cast, insert, literal, select

from tests.exports.helpers import ok, run_exports
from tests.support import ProjectKeys
from voucherd.config import Settings
from voucherd.customers.models import Customer
from voucherd.exports.runner import run_next
from voucherd.kit.clock import utcnow
from voucherd.kit.db import Database

ROWS = 200_000


async def _generate_customers(db: Database, project_id: str, count: int) -> None:
    """`count` customers in one INSERT … SELECT over a recursive counter (both engines)."""
    counter: Any = select(literal(1).label("n")).cte("counter", recursive=True)
    counter = counter.union_all(select(counter.c.n + 1).where(counter.c.n < count))
    n = cast(counter.c.n, String)
    rows = select(
        literal("cust_gen_") + n,
        literal(project_id),
        literal("src-") + n,
        literal("Customer number ") + n,
        literal("someone") + n + literal("@example.com"),
        literal({"tier": "gold"}, type_=Customer.metadata_.type),
        *(literal(0) for _ in range(7)),
        literal(utcnow(), type_=Customer.created_at.type),
    )
    columns = [
        "id",
        "project_id",
        "source_id",
        "name",
        "email",
        "metadata",
        "orders_total_amount",
        "orders_total_count",
        "redemptions_succeeded",
        "redemptions_failed",
        "redemptions_rolled_back",
        "gift_redeemed_amount",
        "loyalty_redeemed_points",
        "created_at",
    ]
    async with db.transaction() as session:
        await session.execute(insert(Customer).from_select(columns, rows))


async def test_memory_stays_flat_for_200k_rows(
    client: httpx.AsyncClient, db: Database, settings: Settings, project: ProjectKeys
) -> None:
    await run_exports(db, settings)  # other tests' exports are not measured
    await _generate_customers(db, project.project_id, ROWS)
    fields = ["id", "source_id", "name", "email", "metadata.tier", "created_at"]
    created = ok(
        await client.post(
            "/v1/exports", json={"exported_object": "customer", "parameters": {"fields": fields}}
        )
    )
    tracemalloc.start()
    try:
        assert await run_next(db, settings.data_dir) == 1
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    path = next((settings.data_dir / "exports").rglob(f"{created['id']}.csv"))
    size = path.stat().st_size
    with path.open() as fh:
        assert sum(1 for _ in fh) == ROWS + 1
    assert size > 20_000_000
    # About a chunk's rows at a time: well under a tenth of the file.
    assert peak < 8_000_000, f"peak {peak:,} bytes for a {size:,}-byte file"
