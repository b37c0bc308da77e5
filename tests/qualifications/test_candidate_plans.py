"""A qualification reads the customer's codes and the project's generic ones, never every code
of the project: in a project of 20,000 codes nobody holds (a bulk campaign and imported
single-use codes), the statements a real `POST /v1/qualifications` runs are checked with the
database's own EXPLAIN. PostgreSQL (after ANALYZE) must touch at most a few hundred voucher
rows; SQLite (as voucherd runs it: no statistics) must reach vouchers only through the indexes
each statement is built for. The first version of these queries scanned the project's codes
on both engines (a 20 ms parallel sequential scan at 50,000 codes on PostgreSQL)."""

from __future__ import annotations

import httpx

from tests.conftest import Backend
from tests.plans import analyze, copy_voucher, rows_touched, sqlite_plan, statements
from tests.qualifications.support import amount, code, customer, ids, ok, published
from tests.support import ProjectKeys
from voucherd.kit.db import Database

BULK = 10_000  # codes of a bulk campaign, and as many imported single-use standalone codes
MAX_TOUCHED = 300

# Per statement (told apart by text only it has), the voucher indexes SQLite may use.
SQLITE_INDEXES = {
    "FROM publications": ("sqlite_autoindex_vouchers_1", "ix_vouchers_holder_id"),
    "holder_id IS NULL": (
        "sqlite_autoindex_vouchers_1",
        "ix_vouchers_standalone_generic",
        "ix_vouchers_campaign_free",
    ),
}


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
    await copy_voucher(db, bulk_code[0]["code"], "bulk", BULK)
    single_use = await code(client, amount(10), quantity=1)
    await copy_voucher(db, single_use["code"], "imp", BULK, redemption_quantity="1")
    return wallet | {generic, shared_code}, shared["id"]


async def test_candidates_come_from_indexes_not_from_every_code_of_the_project(
    client: httpx.AsyncClient, db: Database, backend: Backend, project: ProjectKeys
) -> None:
    offered, _ = await _world(client, db)
    await analyze(db, "vouchers", "publications", "campaigns")
    with statements(db, "vouchers") as ran:
        body = {"customer": {"source_id": "plan-anna"}, "options": {"limit": 50}}
        answer = await ok(client, "POST", "/v1/qualifications", body)
    assert set(ids(answer)) == offered  # the right codes: the wallet and the two generic ones
    kinds = {kind for sql, _ in ran for kind in SQLITE_INDEXES if kind in sql}
    assert len(ran) == 2 and kinds == set(SQLITE_INDEXES), [sql[:80] for sql, _ in ran]
    async with db.transaction(write=False) as session:
        for sql, params in ran:
            if db.is_sqlite:
                allowed = next(v for k, v in SQLITE_INDEXES.items() if k in sql)
                plan = await sqlite_plan(session, sql, params)
                reads = [line for line in plan if " vouchers " in f"{line} "]
                assert reads and all(
                    line.startswith("SEARCH") and any(index in line for index in allowed)
                    for line in reads
                ), plan
            else:
                assert await rows_touched(session, sql, params, "vouchers") <= MAX_TOUCHED, sql
