"""Hot requests read through indexes, never through a project's codes: the scenarios
`python -m bench.profile` measures run once more in a project crowded with 10,000 codes
nobody holds and 10,000 products, and every statement they read with is checked with the
database's EXPLAIN.

SQLite (as voucherd runs it, without statistics): no statement scans a large table or walks
its `project_id` index (every row of the project). PostgreSQL (after ANALYZE, as autovacuum
keeps it): no statement reads more than a few hundred rows of a large table. The statement
budgets (test_statement_budget.py) count round trips; this counts what each one reads.
"""

from __future__ import annotations

import re

import httpx
import pytest
from bench.profile import SCENARIOS
from sqlalchemy import text

from tests.conftest import Backend
from tests.plans import (
    analyze,
    copy_row,
    copy_voucher,
    rows_touched,
    sqlite_plan,
    statements,
)
from tests.support import ProjectKeys
from voucherd.customers import service as customers
from voucherd.kit.context import RequestContext
from voucherd.kit.db import Database
from voucherd.products import service as products

LARGE = (
    "vouchers",
    "products",
    "redemptions",
    "customers",
    "orders",
    "publications",
    "rule_counters",
)
CROWD = 10_000
MAX_ROWS = 300
SCANS = re.compile(rf"^SCAN ({'|'.join(LARGE)})\b|INDEX ix_({'|'.join(LARGE)})_project_id\b")


@pytest.mark.parametrize("scenario", ["redeem", "redeem_rules", "qualify", "earn", "reward"])
async def test_hot_requests_read_through_indexes_in_a_crowded_project(
    scenario: str,
    client: httpx.AsyncClient,
    db: Database,
    backend: Backend,
    project: ProjectKeys,
) -> None:
    requests = await SCENARIOS[scenario](client, 2)
    async with db.transaction(write=False) as session:
        bulk = (
            await session.execute(
                # A code of one of the scenario's campaigns of several codes (a card of the
                # loyalty program for earn and reward): the crowd joins that campaign, held
                # by nobody. (A one-code campaign keeps one code: the API counts them.)
                text(
                    "SELECT v.code FROM vouchers v JOIN campaigns c ON c.id = v.campaign_id "
                    "WHERE c.vouchers_count <> 1 AND c.project_id = :project "
                    "ORDER BY v.id LIMIT 1"
                ),
                {"project": project.project_id},
            )
        ).scalar_one()
    await copy_voucher(db, bulk, "crowd", CROWD, holder_id=None)  # codes nobody holds
    async with db.transaction(write=False) as session:
        product = (
            await session.execute(
                text("SELECT id FROM products WHERE project_id = :project LIMIT 1"),
                {"project": project.project_id},
            )
        ).scalar_one_or_none()
    if product is not None:  # a catalogue of 10,000 products besides the cart's
        await copy_row(db, "products", product, "crowd", CROWD)
    await analyze(db, *LARGE)
    warm_method, warm_path, warm_body = requests[0]
    warm = await client.request(warm_method, warm_path, json=warm_body)
    assert warm.status_code == 200, warm.text

    method, path, body = requests[1]
    with statements(db, "|".join(LARGE)) as ran:
        resp = await client.request(method, path, json=body)
    assert resp.status_code == 200, resp.text
    reads = [(sql, params) for sql, params in ran if sql.lstrip().upper().startswith("SELECT")]
    assert reads
    async with db.transaction(write=False) as session:
        for sql, params in reads:
            if db.is_sqlite:
                plan = await sqlite_plan(session, sql, params)
                assert not [line for line in plan if SCANS.search(line)], (plan, sql)
            else:
                for table in LARGE:
                    if re.search(rf"\b{table}\b", sql):
                        touched = await rows_touched(session, sql, params, table)
                        assert touched <= MAX_ROWS, (table, touched, sql)


async def test_the_products_a_discount_gives_away_are_read_by_id(
    client: httpx.AsyncClient, db: Database, backend: Backend, project: ProjectKeys
) -> None:
    # UNIT discounts (free items) and rule references read the products and SKUs they name:
    # by id, not through the catalogue (this read walked every product of the project).
    product = await client.post("/v1/products", json={"source_id": "mug", "price": 900})
    assert product.status_code == 200, product.text
    product_id = product.json()["id"]
    sku = await client.post(f"/v1/products/{product_id}/skus", json={"source_id": "mug-red"})
    assert sku.status_code == 200, sku.text
    await copy_row(db, "products", product_id, "crowd", CROWD)
    await analyze(db, "products", "skus")
    ctx = RequestContext(project_id=project.project_id, request_id="plans")
    with statements(db, "products") as ran:
        async with db.transaction(write=False) as session:
            found = await products.catalogue_entries(session, ctx, {product_id, sku.json()["id"]})
    assert set(found) == {product_id, sku.json()["id"]}
    async with db.transaction(write=False) as session:
        for sql, params in ran:
            if db.is_sqlite:
                plan = await sqlite_plan(session, sql, params)
                assert not [line for line in plan if SCANS.search(line)], (plan, sql)
            else:
                assert await rows_touched(session, sql, params, "products") <= 10, sql


async def test_customers_named_by_id_or_source_id_are_read_by_index(
    client: httpx.AsyncClient, db: Database, backend: Backend, project: ProjectKeys
) -> None:
    # A static segment's members, given by id or source_id, are found through the two
    # indexes (this read walked every customer of the project on SQLite).
    anna = await client.post("/v1/customers", json={"source_id": "anna"})
    assert anna.status_code == 200, anna.text
    ben = await client.post("/v1/customers", json={"source_id": "ben"})
    await copy_row(db, "customers", anna.json()["id"], "crowd", CROWD)
    await analyze(db, "customers")
    ctx = RequestContext(project_id=project.project_id, request_id="plans")
    keys = ["anna", ben.json()["id"], "nobody"]
    with statements(db, "customers") as ran:
        async with db.transaction() as session:
            found = await customers.ids_by_keys(session, ctx, keys, lock=True)
    assert found == {"anna": anna.json()["id"], ben.json()["id"]: ben.json()["id"]}
    async with db.transaction(write=False) as session:
        for sql, params in ran:
            if db.is_sqlite:
                plan = await sqlite_plan(session, sql, params)
                assert not [line for line in plan if SCANS.search(line)], (plan, sql)
            else:
                assert await rows_touched(session, sql, params, "customers") <= 10, sql
