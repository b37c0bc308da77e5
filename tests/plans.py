"""Query plans in tests: many rows made in one statement, the statements a request runs, and
what each engine's EXPLAIN says of them (PostgreSQL: rows a table gave up; SQLite: how it
reached them)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.qualify import copy_voucher as bench_copy
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

import voucherd.all_models  # noqa: F401  (every table in Base.metadata)
from voucherd.kit.db import Base, Database


async def copy_voucher(
    db: Database, source_code: str, prefix: str, count: int, **overrides: str | None
) -> None:
    """`count` copies of a code made in one statement (bench/qualify.py `copy_voucher`)."""
    async with db.transaction() as session:
        await bench_copy(session, source_code, prefix, count, **overrides)


async def copy_row(
    db: Database, table: str, row_id: str, prefix: str, count: int, **overrides: str | None
) -> None:
    """`count` copies of one row of `table`, its `id` (and `source_id`, `code` where it has
    them) prefixed so they stay unique; `overrides` set columns (SQL, None for NULL)."""
    columns = [c.name for c in Base.metadata.tables[table].columns]
    number = "substr('0000000' || n.i, -7)" if db.is_sqlite else "lpad(n.i::text, 7, '0')"
    values = []
    for name in columns:
        if name in overrides:
            values.append("NULL" if overrides[name] is None else str(overrides[name]))
        elif name in ("id", "source_id", "code"):
            values.append(f"'{prefix}' || {number} || '_' || t.{name}")
        else:
            values.append(f"t.{name}")
    series = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
        if db.is_sqlite
        else ""
    )
    source = "n" if db.is_sqlite else "generate_series(1, :count) AS n(i)"
    async with db.transaction() as session:
        await session.execute(
            text(
                f"{series}INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM {table} t, {source} WHERE t.id = :id"
            ),
            {"count": count, "id": row_id},
        )


async def analyze(db: Database, *tables: str) -> None:
    """PostgreSQL's statistics, as autovacuum keeps them on a running server (SQLite is
    left without: voucherd never runs ANALYZE there)."""
    if db.is_sqlite:
        return
    async with db.transaction() as session:
        for table in tables:
            await session.execute(text(f"ANALYZE {table}"))


@contextmanager
def statements(db: Database, reads: str) -> Iterator[list[tuple[str, Any]]]:
    """The (SQL, parameters) of every statement run meanwhile that names table `reads`."""
    named = re.compile(rf"\b{reads}\b")
    found: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        if named.search(sql):
            found.append((sql, params))

    engines = {id(e): e.sync_engine for e in (db.write_engine, db.read_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", capture)
    try:
        yield found
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", capture)


async def _driver(session: AsyncSession) -> Any:
    return (await (await session.connection()).get_raw_connection()).driver_connection


async def rows_touched(session: AsyncSession, sql: str, params: Any, table: str) -> int:
    """PostgreSQL: rows of `table` the statement read (returned or filtered out, every loop)."""
    raw = await _driver(session)
    found = await raw.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *params)
    plan = found if isinstance(found, list) else json.loads(found)  # the pool decodes JSON

    def touched(node: dict[str, Any]) -> int:
        here = 0
        if node.get("Relation Name") == table:
            rows = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            here = int(rows * node["Actual Loops"])
        return here + sum(touched(child) for child in node.get("Plans", []))

    return touched(plan[0]["Plan"])


async def sqlite_plan(session: AsyncSession, sql: str, params: Any) -> list[str]:
    """SQLite: the lines of EXPLAIN QUERY PLAN."""
    raw = await _driver(session)
    return [str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


async def assert_indexed(
    db: Database, ran: list[tuple[str, Any]], tables: tuple[str, ...], *, max_rows: int
) -> None:
    """Every SELECT in `ran` reaches `tables` through an index: on SQLite no scan of one and
    no walk of its `ix_<table>_project_id` (the whole project); on PostgreSQL at most
    `max_rows` rows of each read."""
    names = "|".join(tables)
    walks = re.compile(rf"^SCAN ({names})\b|INDEX ix_({names})_project_id\b")
    reads = [(sql, params) for sql, params in ran if sql.lstrip().upper().startswith("SELECT")]
    async with db.transaction(write=False) as session:
        for sql, params in reads:
            if db.is_sqlite:
                plan = await sqlite_plan(session, sql, params)
                assert not [line for line in plan if walks.search(line)], (plan, sql)
                continue
            for table in tables:
                if re.search(rf"\b{table}\b", sql):
                    touched = await rows_touched(session, sql, params, table)
                    assert touched <= max_rows, (table, touched, sql)
