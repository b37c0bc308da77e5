"""Migration 0007 turns the category names campaigns and vouchers already carried (free tags
until then) into category rows they point at."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from voucherd.migrate import upgrade


def _filled(table: sa.Table, **given: Any) -> dict[str, Any]:
    """`given`, plus a plain value for every other NOT NULL column the table requires."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable:
            continue
        kind = column.type
        if isinstance(kind, sa.Boolean):
            row[column.name] = False
        elif isinstance(kind, sa.Integer):
            row[column.name] = 0
        elif isinstance(kind, sa.DateTime):
            row[column.name] = datetime(2026, 1, 1, tzinfo=UTC)
        elif isinstance(kind, sa.JSON):
            row[column.name] = {}
        else:
            row[column.name] = f"{column.name}-{given.get('id', 'x')}"
    return row


async def test_existing_category_names_become_categories(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0006")
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    projects, campaigns, vouchers = (meta.tables[n] for n in ("projects", "campaigns", "vouchers"))
    with engine.begin() as conn:
        for project in ("p1", "p2"):
            conn.execute(sa.insert(projects), [_filled(projects, id=project)])
        conn.execute(
            sa.insert(campaigns),
            [  # (one key set for both rows: an executemany)
                _filled(
                    campaigns,
                    id="c1",
                    project_id="p1",
                    name="A",
                    category="Summer",
                    category_id="cat_made_up",
                ),
                _filled(
                    campaigns, id="c2", project_id="p1", name="B", category=None, category_id=None
                ),
            ],
        )
        conn.execute(
            sa.insert(vouchers),
            [
                _filled(
                    vouchers,
                    id="v1",
                    project_id="p1",
                    code="V1",
                    campaign_id="c1",
                    category="Summer",
                ),
                _filled(
                    vouchers,
                    id="v2",
                    project_id="p1",
                    code="V2",
                    campaign_id=None,
                    category="Winter",
                ),
                _filled(
                    vouchers,
                    id="v3",
                    project_id="p2",
                    code="V3",
                    campaign_id=None,
                    category="Summer",
                ),
            ],
        )
    engine.dispose()

    await upgrade(url)

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        categories = {
            (row.project_id, row.name): row
            for row in conn.execute(sa.text("SELECT * FROM categories"))
        }
        assert set(categories) == {("p1", "Summer"), ("p1", "Winter"), ("p2", "Summer")}
        assert all(row.id.startswith("cat_") and row.hierarchy == 1 for row in categories.values())
        linked = dict(conn.execute(sa.text("SELECT id, category_id FROM campaigns")).all())
        assert linked == {"c1": categories["p1", "Summer"].id, "c2": None}
        linked = dict(conn.execute(sa.text("SELECT id, category_id FROM vouchers")).all())
        assert linked == {
            "v1": categories["p1", "Summer"].id,
            "v2": categories["p1", "Winter"].id,
            "v3": categories["p2", "Summer"].id,
        }
    engine.dispose()
