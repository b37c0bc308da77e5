"""Publishing a campaign's next code reads one index entry however many codes went out before
it: with 5,000 of a campaign's 10,000 codes published, the statement the publication runs is
checked with the database's EXPLAIN. Before the partial index of free codes it walked every
published code (33 ms on PostgreSQL and 27 ms on SQLite at 100,000 out of 200,000)."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from tests.conftest import Backend
from tests.plans import analyze, copy_voucher, rows_touched, sqlite_plan, statements
from tests.support import ProjectKeys
from voucherd.kit.db import Database

CODES = 10_000


async def test_the_next_free_code_is_one_index_entry_away(
    client: httpx.AsyncClient, db: Database, backend: Backend, project: ProjectKeys
) -> None:
    campaign = (
        await client.post(
            "/v1/campaigns",
            json={
                "name": "Newsletter codes",
                "campaign_type": "DISCOUNT_COUPONS",
                "type": "STATIC",
                "vouchers_count": 1,
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 500},
                    "redemption": {"quantity": 1},
                },
            },
        )
    ).json()
    first = (await client.get(f"/v1/vouchers?campaign_id={campaign['id']}")).json()["vouchers"]
    await copy_voucher(db, first[0]["code"], "nl", CODES)
    customer = (await client.post("/v1/customers", json={"source_id": "early"})).json()
    async with db.transaction() as session:  # the first half of the copies already went out
        await session.execute(
            text("UPDATE vouchers SET holder_id = :c WHERE campaign_id = :k AND id < :half"),
            {"c": customer["id"], "k": campaign["id"], "half": f"nl{CODES // 2 + 1:07}"},
        )
    await analyze(db, "vouchers")

    with statements(db, "vouchers") as ran:
        published = await client.post(
            "/v1/publications",
            json={"campaign": {"id": campaign["id"]}, "customer": {"source_id": "late"}},
        )
    assert published.status_code == 200, published.text
    # The oldest free code by id: the first copy nobody holds.
    assert published.json()["voucher"]["code"].startswith(f"nl{CODES // 2 + 1:07}_")
    (claim,) = [(sql, p) for sql, p in ran if "holder_id IS NULL" in sql and "ORDER BY" in sql]
    async with db.transaction(write=False) as session:
        if db.is_sqlite:
            plan = await sqlite_plan(session, *claim)
            assert plan == ["SEARCH vouchers USING INDEX ix_vouchers_campaign_free (campaign_id=?)"]
        else:
            assert await rows_touched(session, *claim, "vouchers") <= 2
