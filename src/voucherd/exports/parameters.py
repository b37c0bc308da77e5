"""`parameters {fields, filters, order}` of an export: checked, then turned into SQL.

Every field, filter key, operator and order is checked against the exported object's entry
in `sources` (the spec's enums); anything else is a 400 naming it, before anything is
stored. The same check runs again in the worker, so a plan never disagrees with what the
API accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from voucherd.exports.catalogue import Field, Kind, Source
from voucherd.exports.sources import SOURCES
from voucherd.kit.clock import utcnow
from voucherd.kit.errors import InvalidPayload
from voucherd.kit.filters import string_condition
from voucherd.kit.timefmt import as_utc

# Voucherify documents these two as exportable, but not in the export schemas.
UNSUPPORTED_OBJECTS = frozenset({"product", "sku"})
# The keys of `parameters`; `campaign_id` narrows a voucher export to one campaign.
PARAMETER_KEYS = frozenset({"fields", "filters", "order", "campaign_id", "response_format"})

_PRESENCE = ("has_value", "is_unknown")
OPERATORS: dict[Kind, tuple[str, ...]] = {
    Kind.STRING: (
        "is",
        "is_not",
        "in",
        "not_in",
        *_PRESENCE,
        "starts_with",
        "ends_with",
        "contains",
        "not_contain",
    ),
    Kind.NUMBER: (
        "is",
        "is_not",
        "in",
        "not_in",
        *_PRESENCE,
        "more_than",
        "less_than",
        "more_than_equal",
        "less_than_equal",
    ),
    # `$more_than` / `$less_than` on a date-time count days ago, as the list filters do.
    Kind.DATETIME: ("after", "before", *_PRESENCE, "more_than", "less_than"),
    Kind.BOOLEAN: ("is", "is_not", *_PRESENCE),
}


@dataclass(frozen=True)
class Condition:
    field: Field
    op: str
    value: Any


@dataclass(frozen=True)
class Plan:
    source: Source
    # (CSV header, field) in the file's column order.
    fields: list[tuple[str, Field]]
    order: str | None
    conditions: list[Condition]
    junction: str
    campaign_id: str | None
    # The parameters as stored and echoed.
    stored: dict[str, Any]


def expand_metadata(checked: Plan, keys: set[str]) -> Plan:
    """`metadata` becomes one column per metadata property the exported rows hold
    (`metadata.<key>`, sorted), as Voucherify expands it; properties also asked for by name
    keep their own column."""
    source = checked.source
    named = {name for name, _f in checked.fields}
    fields: list[tuple[str, Field]] = []
    for name, field in checked.fields:
        if name == "metadata" and source.metadata is not None:
            fields += [
                (f"metadata.{key}", source.metadata_field(key))
                for key in sorted(keys)
                if f"metadata.{key}" not in named
            ]
        else:
            fields.append((name, field))
    return replace(checked, fields=fields)


def bad(details: str) -> InvalidPayload:
    return InvalidPayload(details)


def plan(exported_object: Any, parameters: Any) -> Plan:
    """Check an export request; a 400 naming what is wrong, or the plan of the file."""
    if exported_object in UNSUPPORTED_OBJECTS:
        raise bad(f"exported_object {exported_object} is not supported yet")
    source = SOURCES.get(exported_object) if isinstance(exported_object, str) else None
    if source is None:
        raise bad(f"exported_object must be one of {', '.join(SOURCES)}")
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, Mapping):
        raise bad("parameters must be an object")
    params = {k: v for k, v in parameters.items() if v is not None}
    unknown = sorted(set(params) - PARAMETER_KEYS)
    if unknown:
        raise bad(f"Unknown parameters: {', '.join(unknown)}")
    if params.get("response_format", "CSV") != "CSV":
        raise bad("parameters.response_format must be CSV")
    campaign_id = params.get("campaign_id")
    if campaign_id is not None and (source.name != "voucher" or not isinstance(campaign_id, str)):
        raise bad("parameters.campaign_id is a campaign id, for voucher exports only")
    fields = _fields(source, params.get("fields"))
    order = _order(source, params.get("order"))
    junction, conditions, filters = _filters(source, params.get("filters"))
    stored = dict(params)
    if filters is not None:
        stored["filters"] = filters
    return Plan(source, fields, order, conditions, junction, campaign_id, stored)


def _fields(source: Source, fields: Any) -> list[tuple[str, Field]]:
    if fields is None or fields == []:
        return [(name, source.fields[name]) for name in source.defaults]
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise bad("parameters.fields must be a list of field names")
    metadata = source.metadata is not None
    unknown = [
        f
        for f in fields
        if f not in source.fields
        and f not in source.unsupported
        and not (metadata and f.startswith("metadata.") and len(f) > len("metadata."))
    ]
    if unknown:
        raise bad(
            f"Unknown {source.name} export fields: {', '.join(unknown)}; "
            f"use {', '.join(sorted(source.fields))}" + (" or metadata.<key>" if metadata else "")
        )
    refused = [f for f in fields if f in source.unsupported]
    if refused:
        raise bad(f"{source.name} export fields not supported yet: {', '.join(refused)}")
    if len(set(fields)) != len(fields):
        raise bad("parameters.fields names a field twice")
    return [(name, source.field_for(name)) for name in fields]


def _order(source: Source, order: Any) -> str | None:
    if order is None or order == "":
        return None
    if not isinstance(order, str) or order.lstrip("-") not in source.orders:
        names = ", ".join(f"{name}, -{name}" for name in source.orders)
        raise bad(f"Unsupported order {order!r} for {source.name} exports: use one of {names}")
    return order


def filter_field(source: Source, key: str) -> Field:
    """The field a filter key compares; a 400 naming the key when it filters nothing."""
    metadata = source.metadata is not None and source.metadata_filters
    if metadata and key.startswith("metadata.") and len(key) > len("metadata."):
        return source.metadata_field(key.removeprefix("metadata."))
    allowed = source.filter_keys
    candidate = source.fields.get(key)
    filterable = candidate is not None and candidate.filter is not None
    if candidate is not None and filterable and (allowed is None or key in allowed):
        return candidate
    if any(key.startswith(prefix) for prefix in source.unsupported_filter_prefixes):
        raise bad(f"Filter {key} is not supported yet")
    if allowed is not None:
        names = sorted(allowed)
    else:
        names = sorted(k for k, f in source.fields.items() if f.filter is not None)
        if source.metadata is not None and source.metadata_filters:
            names.append("metadata.<key>")
    raise bad(f"Unknown {source.name} export filter: {key}; use {', '.join(names)}")


def _filters(source: Source, filters: Any) -> tuple[str, list[Condition], dict[str, Any] | None]:
    if filters is None:
        return "and", [], None
    if not isinstance(filters, Mapping):
        raise bad("parameters.filters must be an object")
    junction = filters.get("junction") or "and"
    if not isinstance(junction, str) or junction.lower() not in ("and", "or"):
        raise bad("parameters.filters.junction must be and or or")
    junction = junction.lower()
    conditions: list[Condition] = []
    stored: dict[str, Any] = {"junction": junction} if "junction" in filters else {}
    for key, spec in filters.items():
        if key == "junction":
            continue
        field = filter_field(source, key)
        ops = spec.get("conditions") if isinstance(spec, Mapping) else None
        if not isinstance(ops, Mapping) or not ops:
            raise bad(f'Filter {key} needs conditions: {{"$operator": value}}')
        for name, value in ops.items():
            op = name.removeprefix("$") if isinstance(name, str) else ""
            if not name.startswith("$") or op not in OPERATORS[field.kind]:
                allowed = ", ".join(f"${o}" for o in OPERATORS[field.kind])
                raise bad(f"Unsupported condition {name} of filter {key}: use {allowed}")
            conditions.append(Condition(field, op, _value(key, field.kind, op, value)))
        stored[key] = {"conditions": dict(ops)}
    return junction, conditions, stored


def _value(key: str, kind: Kind, op: str, value: Any) -> Any:
    """The condition's value, checked and parsed for its kind."""
    where = f"filter {key} ${op}"
    if op in _PRESENCE:
        return None
    if op in ("in", "not_in"):
        items = value if isinstance(value, list) else None
        if items is None:
            raise bad(f"{where} takes a list")
        return [_scalar(where, kind, item) for item in items]
    if kind is Kind.DATETIME:
        if op in ("more_than", "less_than"):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
                raise bad(f"{where} takes a number of days")
            return value
        # Voucherify's own example sends the date-time in a one-item list.
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        try:
            return as_utc(datetime.fromisoformat(value))
        except (TypeError, ValueError):
            raise bad(f"{where} takes an ISO 8601 date-time") from None
    return _scalar(where, kind, value)


def _scalar(where: str, kind: Kind, value: Any) -> Any:
    if kind is Kind.NUMBER:
        if isinstance(value, str):
            try:
                value = float(value) if "." in value else int(value)
            except ValueError:
                raise bad(f"{where} takes a number") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad(f"{where} takes a number")
        return value
    if kind is Kind.BOOLEAN:
        if value in ("true", "false"):
            return value == "true"
        if not isinstance(value, bool):
            raise bad(f"{where} takes true or false")
        return value
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise bad(f"{where} takes a string")
    return str(value)


# -- SQL -------------------------------------------------------------------------------------


def where(conditions: list[Condition], junction: str) -> ColumnElement[bool] | None:
    """The plan's filters as one condition (None when there are none)."""
    parts = [_sql(c) for c in conditions]
    if not parts:
        return None
    return or_(*parts) if junction == "or" else and_(*parts)


def _sql(c: Condition) -> ColumnElement[bool]:
    col: Any = c.field.filter
    op, value = c.op, c.value
    if op == "has_value":
        return col.is_not(None)  # type: ignore[no-any-return]
    if op == "is_unknown":
        return col.is_(None)  # type: ignore[no-any-return]
    if op == "in":
        return col.in_(value) if value else false()
    if op == "not_in":
        return or_(col.is_(None), col.not_in(value)) if value else true()
    if op == "is_not":
        return or_(col.is_(None), col != value)
    if op == "is":
        return col == value  # type: ignore[no-any-return]
    if c.field.kind is Kind.DATETIME:
        if op in ("more_than", "less_than"):
            moment = utcnow() - timedelta(days=value)
            # "More than N days ago" is before that moment; "less than" after it.
            return (col < moment) if op == "more_than" else (col > moment)  # type: ignore[no-any-return]
        return (col > value) if op == "after" else (col < value)  # type: ignore[no-any-return]
    if c.field.kind is Kind.NUMBER:
        compare = {
            "more_than": col > value,
            "less_than": col < value,
            "more_than_equal": col >= value,
            "less_than_equal": col <= value,
        }
        return compare[op]  # type: ignore[no-any-return]
    return string_condition(col, op, value)
