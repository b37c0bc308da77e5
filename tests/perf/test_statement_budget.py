"""SQL statements per hot request: a budget, so a change that adds round trips to a
redemption, a paid order or a reward redemption says so in review (bench/RESULTS.md has what
each one costs). Not a timing test: counts are exact and the same on every machine.

The scenarios are the ones `python -m bench.profile` measures; the first request of each
warms the process (an authentication cache miss is not part of the budget).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from bench.profile import SCENARIOS
from sqlalchemy import event

from tests.conftest import Backend
from voucherd.kit.db import Database

# Statements per request; SQLite counts its BEGIN IMMEDIATE, PostgreSQL takes the customer's
# row lock on reward redemptions (SQLite has one writer and skips it). Each includes one read
# of the project's auto-update segments (segments.membership): a customer's summary moved,
# and its segments follow in the same transaction. Every redemption asks for the rules of its
# codes (one indexed query); a code with the three rules of issue 13 (order amount, product in
# cart, once per customer) adds one more: the counter's upsert, which locks, reads and
# increments it at once. Earning asks for the earning rules' validation rules (one query), a
# reward redemption its assignment's.
BUDGETS = {
    "sqlite": {"redeem": 15, "redeem_rules": 16, "earn": 19, "reward": 21},
    "postgres": {"redeem": 14, "redeem_rules": 15, "earn": 18, "reward": 21},
}


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split())[:120])

    engine = db.write_engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("scenario", ["redeem", "redeem_rules", "earn", "reward"])
async def test_hot_requests_stay_within_their_statement_budget(
    scenario: str, client: httpx.AsyncClient, db: Database, backend: Backend
) -> None:
    (warm_method, warm_path, warm_body), (method, path, body) = await SCENARIOS[scenario](client, 2)
    warm = await client.request(warm_method, warm_path, json=warm_body)
    assert warm.status_code == 200, warm.text

    with counting(db) as statements:
        resp = await client.request(method, path, json=body)

    assert resp.status_code == 200, resp.text
    budget = BUDGETS[backend.name][scenario]
    assert len(statements) <= budget, "\n".join(
        [f"{scenario}: {len(statements)} statements, budget {budget}:", *statements]
    )
