"""What an export can hold: per exported object, its CSV fields, filters and orders.

A *source* describes one exported object: the table it reads, the joins some fields need,
every field of Voucherify's `Export<Object>Fields` enum (how to read it and, for plain
columns, how to filter on it) and the orders of `Export<Object>Order`. No database access
here: the validation of a request (`parameters.check`) and the rendering of a row
(`render`) are plain functions over these descriptions.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, String, cast
from sqlalchemy.orm import QueryableAttribute

from voucherd.kit.timefmt import iso


class Kind(enum.Enum):
    """How a filter compares a field (which `$operators` it takes)."""

    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    BOOLEAN = "boolean"


Row = Mapping[str, Any]
# A column of a model or any SQL expression.
Expr = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class Field:
    """One CSV column: the labelled SQL expressions it reads and how its cell is made."""

    columns: Mapping[str, Expr]
    value: Callable[[Row], Any]
    # Filterable fields compare this expression; None = the field cannot be filtered on.
    filter: Expr | None = None
    kind: Kind = Kind.STRING
    # Names of the source's joins the columns need.
    joins: tuple[str, ...] = ()


def column(name: str, expr: Expr, kind: Kind = Kind.STRING, *joins: str) -> Field:
    """A field that is one SQL expression, filterable on it."""
    return Field({name: expr}, lambda row: row[name], expr, kind, joins)


def computed(columns: Mapping[str, Expr], value: Callable[[Row], Any], *joins: str) -> Field:
    """A field made in Python from several columns (not filterable)."""
    return Field(columns, value, None, Kind.STRING, joins)


def constant(value: Any) -> Field:
    """A field voucherd always knows the value of (its API answers the same value)."""
    return Field({}, lambda _row: value)


@dataclass(frozen=True)
class Source:
    name: str
    # The exported table's primary key: the tiebreak of every order.
    id_column: Expr
    # The table's project column: every export reads one project's rows.
    project_column: Expr
    fields: Mapping[str, Field]
    defaults: tuple[str, ...]
    # `order` value (without its `-`) -> the expression sorted on.
    orders: Mapping[str, Expr]
    # Join name -> (target, ON clause); outer joins, added only when a field needs them.
    joins: Mapping[str, tuple[Any, ColumnElement[bool]]] = field(default_factory=dict)
    # JSON column of `metadata.<key>` filters and fields; None = the object has no metadata.
    metadata: Expr | None = None
    # Field names of the spec's enum that voucherd cannot fill (refused with a 400).
    unsupported: frozenset[str] = frozenset()
    # Filter keys beyond the fields: spec prefixes voucherd does not filter on (a 400 says so).
    unsupported_filter_prefixes: tuple[str, ...] = ()
    # Filter keys allowed when the spec names them explicitly; None = every filterable field.
    filter_keys: frozenset[str] | None = None
    # Whether `metadata.<key>` filters are allowed (the spec's "additional properties").
    metadata_filters: bool = True
    # Extra WHERE conditions every row of this object meets (e.g. buckets that expire).
    where: tuple[ColumnElement[bool], ...] = ()

    def metadata_field(self, key: str) -> Field:
        """`metadata.<key>`: one metadata property as a column (and a string filter)."""
        assert self.metadata is not None
        label = f"metadata.{key}"
        expr = cast(self.metadata[key].as_string(), String)
        return Field({label: self.metadata[key]}, lambda row: row[label], expr, Kind.STRING)

    def field_for(self, name: str) -> Field:
        if name.startswith("metadata.") and self.metadata is not None:
            return self.metadata_field(name.removeprefix("metadata."))
        return self.fields[name]


# -- CSV cells -------------------------------------------------------------------------------


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _datetime(value: datetime) -> str:
    return iso(value) or ""


# By exact type: one dict lookup per cell (a file has millions of them).
_CELLS: dict[type, Callable[[Any], str]] = {
    str: lambda value: value,
    int: str,
    float: str,
    bool: lambda value: "true" if value else "false",
    type(None): lambda _value: "",
    datetime: _datetime,
    date: date.isoformat,
    dict: _json,
    list: _json,
}


def cell(value: Any) -> str:
    """One CSV cell: empty for null, `true`/`false`, ISO 8601 UTC times, JSON for objects.

    Exported times are always UTC (Voucherify's rule); money stays in integer cents as in
    every API answer.
    """
    write = _CELLS.get(type(value))
    if write is not None:
        return write(value)
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _json(value)
    return str(value)


def render(fields: list[tuple[str, Field]], row: Row) -> list[str]:
    """The CSV cells of one row, in the order of `fields`."""
    return [cell(f.value(row)) for _name, f in fields]
