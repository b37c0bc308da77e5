"""Erasing one person's data from every copy the database holds (GDPR "right to erasure").

Voucherify-style APIs copy a customer into many documents: event payloads (so webhook
send-outs, which are built from them), redemption order snapshots, stored idempotent
responses. Rather than list those places by hand (and miss the next one), `scrub` visits
every table of the metadata: rows whose JSON (or JSON-as-bytes) columns contain one of the
person's identifying strings are rewritten by `redact`, which the caller defines. Finding the
rows is a text search the database runs (a sequential scan of the project's rows: erasure is
rare, correctness matters more than speed); rewriting is done here, row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    ColumnElement,
    LargeBinary,
    String,
    Table,
    cast,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.db import Base

Redact = Callable[[Any], Any]


def _candidate_columns(table: Table) -> list[Any]:
    return [c for c in table.columns if isinstance(c.type, JSON | LargeBinary)]


def _decode(value: Any, binary: bool) -> Any:
    if not binary or value is None:
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value  # not JSON: left as it is (our binary columns all hold JSON)


def _encode(value: Any, binary: bool) -> Any:
    return orjson.dumps(value) if binary and not isinstance(value, bytes) else value


def _bytes_contain(column: Any, needle: bytes, dialect: str) -> ColumnElement[bool]:
    if dialect == "sqlite":
        # SQLite's LIKE never matches a BLOB pattern; instr compares bytes.
        return func.instr(column, needle) > 0
    # PostgreSQL: bytea LIKE bytea. No autoescape (it is for text): a `_` or `%` in a needle
    # can only widen the rows read, and `redact` decides what changes.
    return column.contains(needle)  # type: ignore[no-any-return]


async def scrub(
    session: AsyncSession,
    project_id: str,
    needles: Sequence[str],
    redact: Redact,
    *,
    skip: frozenset[str] = frozenset(),
) -> dict[str, int]:
    """Rewrite every row of the project whose JSON mentions a needle; rows changed per table."""
    changed: dict[str, int] = {}
    dialect = session.get_bind().dialect.name
    needles = [n for n in needles if n]
    if not needles:
        return changed
    for table in Base.metadata.sorted_tables:
        columns = _candidate_columns(table)
        if table.name in skip or not columns or "project_id" not in table.c:
            continue
        key = list(table.primary_key.columns)
        mentions = [
            cast(column, String).contains(needle, autoescape=True)
            if isinstance(column.type, JSON)
            else _bytes_contain(column, needle.encode(), dialect)
            for column in columns
            for needle in needles
        ]
        rows = await session.execute(
            select(*key, *columns).where(table.c.project_id == project_id, or_(*mentions))
        )
        count = 0
        for row in rows.all():
            values = dict(zip([c.name for c in key + columns], row, strict=True))
            new = {}
            for column in columns:
                binary = isinstance(column.type, LargeBinary)
                before = _decode(values[column.name], binary)
                after = redact(before)
                if after != before:
                    new[column.name] = _encode(after, binary)
            if new:
                await session.execute(
                    update(table).where(*(c == values[c.name] for c in key)).values(new)
                )
                count += 1
        if count:
            changed[table.name] = count
    return changed
