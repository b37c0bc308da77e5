"""Voucherify's list filters: `filters[<field>][conditions][$<op>]=value` (deepObject).

Each list names the fields it takes (from Voucherify's spec) and their kind; this module turns
the query string into one SQL condition. String conditions are `FilterConditionsString`
($is, $is_not, $in, $not_in, $has_value, $is_unknown, $starts_with, $ends_with, $contains,
$not_contain), date-time ones `FilterConditionsDateTime` ($after, $before, $has_value,
$is_unknown, $more_than, $less_than). `filters[junction]` (and | or) joins every condition.
Anything else is a 400 naming it.

The official Python SDK (PyPI `voucherify`) models each filter field as the conditions object
itself, so it sends `filters[<field>][$<op>]=value` without `[conditions]`, a list as its Python
repr (`['a', 'b']`), and a condition left unset as the text `None`: all three are taken too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, true

from voucherd.kit.clock import utcnow
from voucherd.kit.errors import InvalidQueryParams
from voucherd.kit.timefmt import as_utc


class Kind(Enum):
    STRING = "string"
    DATETIME = "datetime"


STRING_OPS = (
    "is",
    "is_not",
    "in",
    "not_in",
    "has_value",
    "is_unknown",
    "starts_with",
    "ends_with",
    "contains",
    "not_contain",
)
DATETIME_OPS = ("after", "before", "has_value", "is_unknown", "more_than", "less_than")
_LISTS = ("in", "not_in")

# `[$in][0]=a&[$in][1]=b` and `[$in][]=a` both give a list; `[$in]=a,b` is split on commas.
# `[conditions]` is optional: the Python SDK leaves it out (see the module docstring).
_NAME = re.compile(r"filters\[(?P<field>\w+)\](?:\[conditions\])?\[\$(?P<op>\w+)\](?:\[\d*\])?")
# What the Python SDK sends for a condition it was given as None: no condition.
_UNSET = "None"

Fields = Mapping[str, tuple[Any, Kind]]


def condition(params: Any, fields: Fields) -> ColumnElement[bool] | None:
    """One condition for the filters in `params` (a Starlette QueryParams), None if there
    are none."""
    found: dict[tuple[str, str], list[str]] = {}
    for name, value in params.multi_items():
        if not name.startswith("filters") or name == "filters[junction]":
            continue
        match = _NAME.fullmatch(name)
        if match is None or match["field"] not in fields:
            raise InvalidQueryParams(
                f"Unsupported filter {name}: this list filters on {', '.join(fields)}"
            )
        field, op = match["field"], match["op"]
        ops = STRING_OPS if fields[field][1] is Kind.STRING else DATETIME_OPS
        if op not in ops:
            raise InvalidQueryParams(
                f"Unsupported filter {name}: {field} takes "
                + ", ".join(f"${known}" for known in ops)
            )
        if value == _UNSET:
            continue
        found.setdefault((field, op), []).append(value)
    junction = params.get("filters[junction]", "and").lower()
    if junction == _UNSET.lower():
        junction = "and"
    if junction not in ("and", "or"):
        raise InvalidQueryParams("filters[junction] must be AND or OR")
    parts = [_one(fields[f][0], fields[f][1], f, op, vs) for (f, op), vs in found.items()]
    if not parts:
        return None
    return or_(*parts) if junction == "or" else and_(*parts)


def _one(column: Any, kind: Kind, field: str, op: str, values: list[str]) -> ColumnElement[bool]:
    if op == "has_value":
        return column.is_not(None)  # type: ignore[no-any-return]
    if op == "is_unknown":
        return column.is_(None)  # type: ignore[no-any-return]
    if op in _LISTS:
        items = [item for value in values for item in _items(value) if item != ""]
        if op == "in":
            return column.in_(items) if items else false()
        return or_(column.is_(None), column.not_in(items)) if items else true()
    if len(values) > 1:
        raise InvalidQueryParams(f"filters[{field}][conditions][${op}] takes one value")
    value = values[0]
    if kind is Kind.DATETIME:
        return _datetime(column, field, op, value)
    return _string(column, op, value)


def _items(value: str) -> list[str]:
    """`a,b` split on commas, or the Python SDK's repr of a list of strings (`['a', 'b']`)."""
    if value.startswith("[") and value.endswith("]"):
        try:
            parsed = ast.literal_eval(value)  # literals only: no code runs
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
            return parsed
    return value.split(",")


def string_condition(column: Any, op: str, value: str) -> ColumnElement[bool]:
    """One string condition ($is, $is_not, $starts_with, $ends_with, $contains, $not_contain)
    on a column, the same way on both engines (product collections narrow with it)."""
    return _string(column, op, value)


def _string(column: Any, op: str, value: str) -> ColumnElement[bool]:
    # Not LIKE: SQLite's is case-insensitive, PostgreSQL's is not. substr / replace compare
    # exactly on both engines (and need no escaping of % and _).
    size = len(value)
    if op == "is":
        return column == value  # type: ignore[no-any-return]
    if op == "is_not":
        return or_(column.is_(None), column != value)
    if op == "starts_with":
        return func.substr(column, 1, size) == value
    if op == "ends_with":
        return and_(
            func.length(column) >= size,
            func.substr(column, func.length(column) - size + 1) == value,
        )
    contains = true() if value == "" else func.replace(column, value, "") != column
    if op == "contains":
        return and_(column.is_not(None), contains)
    return or_(column.is_(None), ~contains)  # not_contain


def _datetime(column: Any, field: str, op: str, value: str) -> ColumnElement[bool]:
    if op in ("more_than", "less_than"):
        try:
            days = int(value)
        except ValueError as exc:
            raise InvalidQueryParams(f"filters[{field}][conditions][${op}] takes days") from exc
        if not 0 <= days <= 100_000:
            raise InvalidQueryParams(f"filters[{field}][conditions][${op}] is out of range")
        moment = utcnow() - timedelta(days=days)
        # "More than N days ago" is before that moment; "less than" after it.
        return (column < moment) if op == "more_than" else (column > moment)  # type: ignore[no-any-return]
    try:
        moment = as_utc(datetime.fromisoformat(value))
    except ValueError as exc:
        raise InvalidQueryParams(
            f"filters[{field}][conditions][${op}] must be an ISO 8601 date-time"
        ) from exc
    return (column > moment) if op == "after" else (column < moment)  # type: ignore[no-any-return]
