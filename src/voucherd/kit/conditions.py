"""Voucherify's filter objects, parsed and evaluated in memory: pure, no database.

The grammar (Spec `FiltersCondition`, used by product collections and customer segments):
`{"junction": "and"|"or", "<field>": {"conditions": {"$<op>": operand}}, ...}`, an operand
being a list or a bare scalar. Each user names its fields and their kind (`kind_of`) and the
operators each kind takes; anything else is refused with a 400 naming it, so no filter is
ever stored with a part that would be ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any, Literal

from voucherd.kit.errors import InvalidPayload
from voucherd.kit.timefmt import as_utc


class Kind(Enum):
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    METADATA = "metadata"


PRESENCE = ("has_value", "is_unknown")
EQUALITY = ("is", "is_not", "in", "not_in")
TEXT = ("starts_with", "ends_with", "contains", "not_contain")
ORDER = ("more_than", "less_than", "more_than_equal", "less_than_equal")
DATES = ("after", "before")
# Relative to the moment of evaluation, operand in days: their truth changes as time passes.
RELATIVE_DATES = (
    "is_days_ago",
    "is_days_in_future",
    "more_than_ago",
    "less_than_ago",
    "more_than_future",
    "less_than_future",
)
_LISTS = ("in", "not_in")

# A filter this size is far past any real one; the bound keeps evaluation cheap.
MAX_CONDITIONS = 50
MAX_LIST = 1000
# Relative date operands, in days: about 270 years either way stays inside datetime's range.
MAX_DAYS = 100_000


@dataclass(frozen=True)
class Condition:
    field: str
    kind: Kind
    op: str
    # Operands: several for $in / $not_in, one otherwise, none for the presence operators.
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Filter:
    junction: Literal["and", "or"]
    conditions: tuple[Condition, ...]


METADATA_PREFIX = "metadata."


def field_kinds(fields: Mapping[str, Kind], owner: str) -> Callable[[str], Kind]:
    """A `kind_of` for `parse`: the named fields, and `metadata.<key>` as METADATA; any other
    field is a 400 that names it and lists what `owner` (e.g. "segments") filters on."""

    def kind_of(field: str) -> Kind:
        if field in fields:
            return fields[field]
        if field.startswith(METADATA_PREFIX) and len(field) > len(METADATA_PREFIX):
            return Kind.METADATA
        names = ", ".join([*fields, f"{METADATA_PREFIX}<key>"])
        raise InvalidPayload(f"Unsupported filter field {field}: {owner} filter on {names}")

    return kind_of


def parse(
    raw: Any, *, kind_of: Callable[[str], Kind], ops: Mapping[Kind, tuple[str, ...]]
) -> Filter:
    """The typed filter of a request's `filter`; a 400 naming anything unsupported.

    `kind_of` names the kind of a field or raises the 400 for a field it does not know.
    """
    if not isinstance(raw, Mapping):
        raise InvalidPayload("filter must be an object")
    junction = raw.get("junction")
    if not isinstance(junction, str) or junction.lower() not in ("and", "or"):
        raise InvalidPayload("filter.junction must be AND or OR")
    conditions: list[Condition] = []
    for field, spec in raw.items():
        if field == "junction":
            continue
        kind = kind_of(field)
        if not isinstance(spec, Mapping) or set(spec) != {"conditions"}:
            raise InvalidPayload(f'filter.{field} must be {{"conditions": {{...}}}}')
        named = spec["conditions"]
        if not isinstance(named, Mapping) or not named:
            raise InvalidPayload(f"filter.{field}.conditions must name an operator")
        for name, operand in named.items():
            conditions.append(_condition(field, kind, ops[kind], name, operand))
    if not conditions:
        raise InvalidPayload("filter must have at least one condition")
    if len(conditions) > MAX_CONDITIONS:
        raise InvalidPayload(f"filter may have at most {MAX_CONDITIONS} conditions")
    return Filter("and" if junction.lower() == "and" else "or", tuple(conditions))


def _condition(
    field: str, kind: Kind, allowed: tuple[str, ...], name: Any, operand: Any
) -> Condition:
    op = name[1:] if isinstance(name, str) and name.startswith("$") else None
    if op is None or op not in allowed:
        names = ", ".join(f"${known}" for known in allowed)
        raise InvalidPayload(f"Unsupported operator {name} on filter.{field}: it takes {names}")
    if op in PRESENCE:
        return Condition(field, kind, op, ())
    values = tuple(operand) if isinstance(operand, list) else (operand,)
    where = f"filter.{field}.conditions.${op}"
    if op in _LISTS:
        if len(values) > MAX_LIST:
            raise InvalidPayload(f"{where} takes at most {MAX_LIST} values")
    elif len(values) != 1:
        raise InvalidPayload(f"{where} takes one value")
    return Condition(field, kind, op, tuple(_operand(where, kind, op, v) for v in values))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _operand(where: str, kind: Kind, op: str, value: Any) -> Any:
    if op in RELATIVE_DATES:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_DAYS:
            raise InvalidPayload(f"{where} takes a number of days from 0 to {MAX_DAYS}")
        return value
    if kind is Kind.DATE:
        try:
            return as_utc(datetime.fromisoformat(value))
        except (TypeError, ValueError) as exc:
            raise InvalidPayload(f"{where} must be an ISO 8601 date-time") from exc
    wants_text = kind is Kind.STRING or op in TEXT
    wants_number = kind is Kind.NUMBER or op in ORDER
    if wants_text and not isinstance(value, str):
        raise InvalidPayload(f"{where} takes a string")
    if wants_number and not is_number(value):
        raise InvalidPayload(f"{where} takes a number")
    if kind is Kind.METADATA and not (value is None or isinstance(value, str | bool | int | float)):
        raise InvalidPayload(f"{where} takes a string, number or boolean")
    return value


def _equal(left: Any, right: Any) -> bool:
    # JSON equality: True is not 1, 2 equals 2.0.
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return bool(left == right)
    return type(left) is type(right) and bool(left == right)


def _moment(value: Any) -> datetime | None:
    """A date-time value as aware UTC; a calendar date (a birthdate) as its midnight UTC."""
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return as_utc(datetime.combine(value, time()))
    return None


def holds(condition: Condition, value: Any, now: datetime | None = None) -> bool:
    """Whether one condition holds for one field's value (None = the field is unknown).

    `now` is needed only by the relative date operators (`RELATIVE_DATES`).
    """
    op, values = condition.op, condition.values
    if op == "has_value":
        return value is not None
    if op == "is_unknown":
        return value is None
    if op in ("is", "in"):
        return value is not None and any(_equal(value, v) for v in values)
    if op in ("is_not", "not_in"):
        return value is None or not any(_equal(value, v) for v in values)
    operand = values[0]
    if op == "not_contain":
        return not _contains(value, operand)
    if op == "contains":
        return _contains(value, operand)
    if op in ("starts_with", "ends_with"):
        if not isinstance(value, str):
            return False
        return value.startswith(operand) if op == "starts_with" else value.endswith(operand)
    if op in DATES or op in RELATIVE_DATES:
        moment = _moment(value)
        if moment is None:
            return False
        if op in DATES:
            return bool(moment > operand) if op == "after" else bool(moment < operand)
        if now is None:
            raise ValueError(f"${op} is evaluated at a moment: pass now")
        return _relative(op, moment, as_utc(now), operand)
    if not is_number(value):
        return False
    if op == "more_than":
        return bool(value > operand)
    if op == "less_than":
        return bool(value < operand)
    if op == "more_than_equal":
        return bool(value >= operand)
    return bool(value <= operand)


def _relative(op: str, moment: datetime, now: datetime, days: int) -> bool:
    # "is N days ago / in future" compares calendar days (UTC); the others are windows
    # measured from now: "less than N days ago" is between then and now.
    span = timedelta(days=days)
    if op == "is_days_ago":
        return moment.date() == (now - span).date()
    if op == "is_days_in_future":
        return moment.date() == (now + span).date()
    if op == "more_than_ago":
        return moment < now - span
    if op == "less_than_ago":
        return now - span < moment <= now
    if op == "more_than_future":
        return moment > now + span
    return now <= moment < now + span  # less_than_future


def _contains(value: Any, operand: str) -> bool:
    if isinstance(value, str):
        return operand in value
    if isinstance(value, list):
        return any(_equal(element, operand) for element in value)
    return False


def satisfies(filter_: Filter, value_of: Callable[[str], Any], now: datetime | None = None) -> bool:
    results = (holds(c, value_of(c.field), now) for c in filter_.conditions)
    return all(results) if filter_.junction == "and" else any(results)


def is_time_relative(filter_: Filter) -> bool:
    """Whether the filter's verdict can change with time alone (no change to the data)."""
    return any(c.op in RELATIVE_DATES for c in filter_.conditions)
