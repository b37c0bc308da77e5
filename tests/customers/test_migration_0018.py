"""Migration 0018 fills the customer and voucher of events recorded before it, so activity
lists include a customer's history from before the upgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from voucherd.migrate import upgrade


async def test_existing_events_get_their_customer_and_voucher(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0009")
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    events = meta.tables["events"]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        ("e1", {"customer": {"id": "cust_1"}, "voucher": {"id": "v_1"}}),
        ("e2", {"customer": {"id": "cust_2"}}),
        ("e3", {"campaign": {"id": "camp_1"}}),
    ]
    with engine.begin() as conn:
        conn.execute(
            sa.insert(events),
            [
                {
                    "id": ident,
                    "project_id": "p",
                    "type": "customer.updated",
                    "entity_id": None,
                    "group_id": "g",
                    "event_source": {},
                    "data": data,
                    "created_at": now,
                }
                for ident, data in rows
            ],
        )
    engine.dispose()
    await upgrade(url, "0018")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        got = conn.execute(
            sa.text("SELECT id, customer_id, voucher_id FROM events ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in got] == [
        ("e1", "cust_1", "v_1"),
        ("e2", "cust_2", None),
        ("e3", None, None),
    ]
