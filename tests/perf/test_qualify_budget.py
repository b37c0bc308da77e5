"""The exact SQL statements of one qualification (issue 14's world: a customer with 10
published codes and a 5-item cart, 50 live tiers, 20 coupon campaigns, rules with a
once-per-customer counter): the candidates come from indexed queries and everything they
share is read once, whatever the number of candidates.

SQLite: BEGIN (a read-only unit of work, on the read pool), the customer, the wallet, the
open campaigns, the generic codes, the live tiers, the rules of every candidate at once and
the counters they read. PostgreSQL: the same without the BEGIN line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from bench.profile import SCENARIOS
from sqlalchemy import event

from tests.conftest import Backend
from voucherd.kit.db import Database

BUDGET = {"sqlite": 8, "postgres": 7}


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split())[:120])

    engines = list({id(e): e for e in (db.write_engine, db.read_engine)}.values())
    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_one_qualification_costs_an_exact_number_of_statements(
    client: httpx.AsyncClient, db: Database, backend: Backend
) -> None:
    (method, path, body), _ = await SCENARIOS["qualify"](client, 2)
    warm = await client.request(method, path, json=body)
    assert warm.status_code == 200, warm.text

    with counting(db) as statements:
        resp = await client.request(method, path, json=body)

    assert resp.status_code == 200, resp.text
    assert len(resp.json()["redeemables"]["data"]) == 5
    budget = BUDGET[backend.name]
    assert len(statements) == budget, "\n".join(
        [f"qualify: {len(statements)} statements, budget {budget}:", *statements]
    )
