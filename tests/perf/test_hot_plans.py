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

import httpx
import pytest
from bench.profile import SCENARIOS
from sqlalchemy import text

from tests.conftest import Backend
from tests.plans import analyze, assert_indexed, copy_row, copy_voucher, statements
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
    assert any(sql.lstrip().upper().startswith("SELECT") for sql, _ in ran)
    await assert_indexed(db, ran, LARGE, max_rows=MAX_ROWS)


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
    await assert_indexed(db, ran, ("products", "skus"), max_rows=MAX_ROWS)


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
    await assert_indexed(db, ran, ("customers",), max_rows=MAX_ROWS)


async def test_lists_narrowed_to_a_customer_read_through_that_index(
    client: httpx.AsyncClient, db: Database, backend: Backend, project: ProjectKeys
) -> None:
    # A storefront's "my codes", "my orders", a lookup by email: the list and its total come
    # from the customer's index, not from a walk of the project (SQLite took `project_id`).
    anna = await client.post("/v1/customers", json={"source_id": "anna", "email": "a@x.io"})
    assert anna.status_code == 200, anna.text
    anna_id = anna.json()["id"]
    code = await client.post("/v1/vouchers", json={"discount": {"type": "AMOUNT", "amount_off": 1}})
    published = await client.post(
        "/v1/publications",
        json={"voucher": code.json()["code"], "customer": {"source_id": "anna"}},
    )
    assert published.status_code == 200, published.text
    order = await client.post("/v1/orders", json={"customer": {"id": anna_id}, "amount": 100})
    assert order.status_code == 200, order.text
    await copy_voucher(db, code.json()["code"], "crowd", CROWD, holder_id=None)
    await copy_row(db, "customers", anna_id, "crowd", CROWD, email=None)
    await copy_row(db, "orders", order.json()["id"], "crowd", CROWD, customer_id=None)
    await analyze(db, "vouchers", "customers", "orders", "publications")
    lists = {
        f"/v1/vouchers?customer={anna_id}": "vouchers",
        f"/v1/publications?customer={anna_id}": "publications",
        "/v1/customers?email=a@x.io": "customers",
        f"/v1/orders?customer_id={anna_id}": "orders",
    }
    for url, table in lists.items():
        with statements(db, table) as ran:
            listed = await client.get(url)
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == 1, (url, listed.json()["total"])
        await assert_indexed(db, ran, (table,), max_rows=MAX_ROWS)
