"""Statement builders shared by repositories (no domain imports: columns come in)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, false, or_
from sqlalchemy.orm import InstrumentedAttribute

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def one_by_either(
    stmt: S,
    project_id: InstrumentedAttribute[str],
    preferred: InstrumentedAttribute[str],
    other: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
) -> S:
    """`stmt` narrowed to the project's row whose `preferred` or `other` column equals `key`,
    a `preferred` match winning (Voucherify takes an id or a code, name or source_id where it
    asks for one, and a row's source_id may equal another row's id).

    Bind parameters: `project_id`, `key`. Built once at import by the repositories: building
    and cache-keying a statement per call costs about as much as running it on SQLite.
    """
    key: BindParameter[str] = bindparam("key")
    return (
        stmt.where(project_id == bindparam("project_id"), or_(preferred == key, other == key))
        .order_by((preferred == key).desc())
        .limit(1)
    )


def reached_local_day(
    project_id: InstrumentedAttribute[str],
    day: InstrumentedAttribute[date] | InstrumentedAttribute[date | None],
    today_by_date: Mapping[date, Sequence[str]],
    *,
    passed: bool = False,
) -> ColumnElement[bool]:
    """Rows whose `day` has come in their project's zone: `day <= today` (or `< today` with
    `passed`), each project compared with its own local today (`kit.zones.local_dates`;
    at most three distinct dates exist on Earth at once, so the OR stays short)."""
    terms = [
        and_(project_id.in_(list(ids)), day < today if passed else day <= today)
        for today, ids in today_by_date.items()
    ]
    return or_(*terms) if terms else false()
