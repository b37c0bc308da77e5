"""Statement builders shared by repositories (no domain imports: columns come in)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    false,
    or_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine

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


def filter_only(column: Any) -> ColumnElement[Any]:
    """`column` as an expression no index answers (`column || ''`), for a condition that
    should filter rows found another way. Given `id IN (a, b, c) AND project_id = ?` and no
    statistics, SQLite walks the project's rows by `project_id` rather than look three ids
    up by primary key."""
    return column.concat("")  # type: ignore[no-any-return]


def in_project(column: Any, project_id: str, *, narrowed: bool) -> ColumnElement[bool]:
    """A list's `project_id = ?`; `narrowed` when another condition names an indexed column
    that finds far fewer rows (a customer's codes, one email): the project check then only
    filters, so SQLite without statistics does not walk the whole project by `project_id`."""
    return (filter_only(column) if narrowed else column) == project_id


class StringList(TypeDecorator[list[str]]):
    """A list of strings bound as ONE parameter: a `VARCHAR[]` on PostgreSQL, JSON text on
    SQLite (read back by `json_each`)."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(String()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        values = [str(v) for v in value or ()]
        return values if dialect.name == "postgresql" else orjson.dumps(values).decode()


class OneOf(ColumnElement[bool]):
    """`column IN (...)` over a list bound as one parameter, whatever its length.

    SQLAlchemy's expanding IN renders one placeholder per value at every execution: for the
    80 ids of a qualification's candidates that cost three times the query itself on
    PostgreSQL (bench/RESULTS.md). Here the statement text never changes: PostgreSQL reads
    `column = ANY($1::VARCHAR[])`, SQLite `column IN (SELECT value FROM json_each(?))`;
    both still use the column's index.
    """

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a predicate: SQLite needs no `= 1` after it
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], values: BindParameter[list[str]]) -> None:
        self.column = column
        self.values = values

    @property
    def _from_objects(self) -> list[Any]:  # the column's table is in the query's FROM
        return self.column._from_objects


def one_of(column: Any, name: str) -> OneOf:
    """`column` equals one of the strings bound as `name` (a list; empty matches nothing)."""
    return OneOf(column.expression, bindparam(name, type_=StringList()))


@compiles(OneOf)
def _one_of_json(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(OneOf, "postgresql")
def _one_of_array(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} = ANY({values})"
