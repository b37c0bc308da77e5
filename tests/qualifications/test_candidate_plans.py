"""A qualification reads the customer's codes and the project's generic ones, never every code
of the project: in a project of 20,000 codes nobody holds (a bulk campaign and imported
single-use codes), the statements a real `POST /v1/qualifications` runs are checked with the
database's own EXPLAIN. PostgreSQL (after ANALYZE) must touch at most a few hundred voucher
rows; SQLite (as voucherd runs it: no statistics) must reach vouchers only through the indexes
each statement is built for. The first version of these queries scanned the project's codes
on both engines (a 20 ms parallel sequential scan at 50,000 codes on PostgreSQL)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from sqlalchemy import event, text

from tests.conftest import Backend
from tests.qualifications.support import amount, code, customer, ids, ok, published
from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.vouchers.models import Voucher

BULK = 10_000  # codes of a bulk campaign, and as many imported single-use standalone codes
MAX_TOUCHED = 300

# Per statement (told apart by text only it has), the voucher indexes SQLite may use.
SQLITE_INDEXES = {
    "FROM publications": ("sqlite_autoindex_vouchers_1", "ix_vouchers_holder_id"),
    "holder_id IS NULL": (
        "sqlite_autoindex_vouchers_1",
        "ix_vouchers_standalone_generic",
        "ix_vouchers_campaign_id_id",
    ),
}
READS_VOUCHERS = re.compile(r"\bvouchers\b")


async def _copies(db: Database, source_code: str, prefix: str, **overrides: str | None) -> None:
    """BULK copies of a code in one INSERT … SELECT (the API would take minutes)."""
    columns = [c.name for c in Voucher.__table__.columns]
    values = []
    for name in columns:
        if name in ("id", "code"):
            values.append(f"'{prefix}' || n.i || '_' || v.{name}")
        elif name in overrides:
            values.append("NULL" if overrides[name] is None else str(overrides[name]))
        else:
            values.append(f"v.{name}")
    series = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :bulk) "
        if db.is_sqlite
        else ""
    )
    source = "n" if db.is_sqlite else "generate_series(1, :bulk) AS n(i)"
    async with db.transaction() as session:
        await session.execute(
            text(
                f"{series}INSERT INTO vouchers ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM vouchers v, {source} WHERE v.code = :code"
            ),
            {"bulk": BULK, "code": source_code},
        )


async def _world(client: httpx.AsyncClient, db: Database) -> tuple[set[str], str]:
    await customer(client, "plan-anna")
    wallet = {(await published(client, amount(100 + i), "plan-anna"))["code"] for i in range(3)}
    generic = (await code(client, amount(50)))["code"]  # standalone, unlimited uses
    shared = await ok(
        client,
        "POST",
        "/v1/campaigns",
        {
            "name": "Plan shared code",
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "STATIC",
            "vouchers_count": 1,
            "voucher": {"type": "DISCOUNT_VOUCHER", "discount": amount(70)},
        },
    )
    bulk = await ok(
        client,
        "POST",
        "/v1/campaigns",
        {
            "name": "Plan bulk",
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "STATIC",
            "vouchers_count": 2,
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": amount(90),
                "redemption": {"quantity": 1},
            },
        },
    )
    listed = await ok(client, "GET", f"/v1/vouchers?campaign_id={shared['id']}")
    shared_code = listed["vouchers"][0]["code"]
    bulk_code = (await ok(client, "GET", f"/v1/vouchers?campaign_id={bulk['id']}"))["vouchers"]
    await _copies(db, bulk_code[0]["code"], "bulk")
    single_use = await code(client, amount(10), quantity=1)
    await _copies(db, single_use["code"], "imp", redemption_quantity="1")
    return wallet | {generic, shared_code}, shared["id"]


async def _explain_pg(session: Any, sql: str, params: Any) -> int:
    """Voucher rows the statement touched (returned or filtered out, every loop)."""
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    found = await raw.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *params)
    plan = found if isinstance(found, list) else json.loads(found)  # the pool decodes JSON

    def touched(node: dict[str, Any]) -> int:
        here = 0
        if node.get("Relation Name") == "vouchers":
            rows = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            here = int(rows * node["Actual Loops"])
        return here + sum(touched(child) for child in node.get("Plans", []))

    return touched(plan[0]["Plan"])


async def test_candidates_come_from_indexes_not_from_every_code_of_the_project(
    client: httpx.AsyncClient, db: Database, backend: Backend, project: ProjectKeys
) -> None:
    offered, _ = await _world(client, db)
    if not db.is_sqlite:
        async with db.transaction() as session:
            await session.execute(text("ANALYZE vouchers"))
            await session.execute(text("ANALYZE publications"))
            await session.execute(text("ANALYZE campaigns"))
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        if READS_VOUCHERS.search(sql):
            statements.append((sql, params))

    engine = db.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        body = {"customer": {"source_id": "plan-anna"}, "options": {"limit": 50}}
        answer = await ok(client, "POST", "/v1/qualifications", body)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert set(ids(answer)) == offered  # the right codes: the wallet and the two generic ones
    kinds = {kind for sql, _ in statements for kind in SQLITE_INDEXES if kind in sql}
    assert len(statements) == 2 and kinds == set(SQLITE_INDEXES), [s[:80] for s, _ in statements]
    async with db.transaction(write=False) as session:
        for sql, params in statements:
            if db.is_sqlite:
                allowed = next(v for k, v in SQLITE_INDEXES.items() if k in sql)
                raw = (await (await session.connection()).get_raw_connection()).driver_connection
                plan = [row[-1] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
                reads = [line for line in plan if " vouchers " in f"{line} "]
                assert reads and all(
                    line.startswith("SEARCH") and any(index in line for index in allowed)
                    for line in reads
                ), plan
            else:
                assert await _explain_pg(session, sql, params) <= MAX_TOUCHED, sql
