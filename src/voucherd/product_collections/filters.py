"""The AUTO_UPDATE filter of a product collection, and membership: pure, no database.

Voucherify's grammar (`ProductCollectionsItem.filter`, `FiltersCondition`):
`{"junction": "and"|"or", "<field>": {"conditions": {"$<op>": operand}}, ...}`, an operand
being a list or a bare scalar. Products and SKUs are tested separately (a SKU does not join
through its parent): `name` of a SKU is its `sku`. Fields and operators voucherd does not
evaluate (`attributes`, `skus`, `$count`, `$is_days_ago`, ...) are refused with a 400 naming
them, never stored and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from voucherd.kit.errors import InvalidPayload
from voucherd.kit.timefmt import as_utc


class Kind(Enum):
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    METADATA = "metadata"


FIELDS: Mapping[str, Kind] = {
    "id": Kind.STRING,
    "product_id": Kind.STRING,
    "source_id": Kind.STRING,
    "name": Kind.STRING,
    "image_url": Kind.STRING,
    "object": Kind.STRING,
    "price": Kind.NUMBER,
    "created_at": Kind.DATE,
    "updated_at": Kind.DATE,
}
METADATA_PREFIX = "metadata."

_PRESENCE = ("has_value", "is_unknown")
_EQUALITY = ("is", "is_not", "in", "not_in")
_TEXT = ("starts_with", "ends_with", "contains", "not_contain")
_ORDER = ("more_than", "less_than", "more_than_equal", "less_than_equal")
OPS: Mapping[Kind, tuple[str, ...]] = {
    Kind.STRING: _PRESENCE + _EQUALITY + _TEXT,
    Kind.NUMBER: _PRESENCE + _EQUALITY + _ORDER,
    Kind.DATE: (*_PRESENCE, "after", "before"),
    # Metadata holds any JSON: text operators apply to strings (and $contains to arrays),
    # order operators to numbers; a value of another type simply does not match.
    Kind.METADATA: _PRESENCE + _EQUALITY + _TEXT + _ORDER,
}
_LISTS = ("in", "not_in")

# Voucherify allows 100 collections per project; a filter this size is far past any real one.
MAX_CONDITIONS = 50
MAX_LIST = 1000


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


@dataclass(frozen=True)
class Item:
    """What a filter sees of a product or a SKU."""

    object: Literal["product", "sku"]
    id: str
    product_id: str | None
    source_id: str | None
    name: str | None
    price: int | None
    image_url: str | None
    created_at: datetime
    updated_at: datetime | None
    metadata: Mapping[str, Any]

    def value(self, field: str) -> Any:
        if field.startswith(METADATA_PREFIX):
            return self.metadata.get(field[len(METADATA_PREFIX) :])
        return getattr(self, field)


@dataclass(frozen=True)
class StaticEntry:
    id: str
    object: Literal["product", "sku"]
    product_id: str | None


@dataclass(frozen=True)
class Collection:
    """What membership needs of a collection: its type and either its entries or its filter."""

    type: Literal["STATIC", "AUTO_UPDATE"]
    products: tuple[StaticEntry, ...] = ()
    filter: Filter | None = None


def parse(raw: Any) -> Filter:
    """The typed filter of a request's `filter`; a 400 naming anything unsupported."""
    if not isinstance(raw, Mapping):
        raise InvalidPayload("filter must be an object")
    junction = raw.get("junction")
    if not isinstance(junction, str) or junction.lower() not in ("and", "or"):
        raise InvalidPayload("filter.junction must be AND or OR")
    conditions: list[Condition] = []
    for field, spec in raw.items():
        if field == "junction":
            continue
        kind = _kind(field)
        if not isinstance(spec, Mapping) or set(spec) != {"conditions"}:
            raise InvalidPayload(f'filter.{field} must be {{"conditions": {{...}}}}')
        ops = spec["conditions"]
        if not isinstance(ops, Mapping) or not ops:
            raise InvalidPayload(f"filter.{field}.conditions must name an operator")
        for name, operand in ops.items():
            conditions.append(_condition(field, kind, name, operand))
    if not conditions:
        raise InvalidPayload("filter must have at least one condition")
    if len(conditions) > MAX_CONDITIONS:
        raise InvalidPayload(f"filter may have at most {MAX_CONDITIONS} conditions")
    return Filter("and" if junction.lower() == "and" else "or", tuple(conditions))


def _kind(field: str) -> Kind:
    if field in FIELDS:
        return FIELDS[field]
    if field.startswith(METADATA_PREFIX) and len(field) > len(METADATA_PREFIX):
        return Kind.METADATA
    names = ", ".join([*FIELDS, "metadata.<key>"])
    raise InvalidPayload(f"Unsupported filter field {field}: product collections filter on {names}")


def _condition(field: str, kind: Kind, name: Any, operand: Any) -> Condition:
    op = name[1:] if isinstance(name, str) and name.startswith("$") else None
    if op is None or op not in OPS[kind]:
        allowed = ", ".join(f"${known}" for known in OPS[kind])
        raise InvalidPayload(f"Unsupported operator {name} on filter.{field}: it takes {allowed}")
    if op in _PRESENCE:
        return Condition(field, kind, op, ())
    values = tuple(operand) if isinstance(operand, list) else (operand,)
    where = f"filter.{field}.conditions.${op}"
    if op in _LISTS:
        if len(values) > MAX_LIST:
            raise InvalidPayload(f"{where} takes at most {MAX_LIST} values")
    elif len(values) != 1:
        raise InvalidPayload(f"{where} takes one value")
    return Condition(field, kind, op, tuple(_operand(where, kind, op, v) for v in values))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _operand(where: str, kind: Kind, op: str, value: Any) -> Any:
    if kind is Kind.DATE:
        try:
            return as_utc(datetime.fromisoformat(value))
        except (TypeError, ValueError) as exc:
            raise InvalidPayload(f"{where} must be an ISO 8601 date-time") from exc
    wants_text = kind is Kind.STRING or op in _TEXT
    wants_number = kind is Kind.NUMBER or op in _ORDER
    if wants_text and not isinstance(value, str):
        raise InvalidPayload(f"{where} takes a string")
    if wants_number and not _is_number(value):
        raise InvalidPayload(f"{where} takes a number")
    if kind is Kind.METADATA and not (value is None or isinstance(value, str | bool | int | float)):
        raise InvalidPayload(f"{where} takes a string, number or boolean")
    return value


def _equal(left: Any, right: Any) -> bool:
    # JSON equality: True is not 1, 2 equals 2.0.
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    return type(left) is type(right) and bool(left == right)


def holds(condition: Condition, value: Any) -> bool:
    """Whether one condition holds for one field's value (None = the field is unknown)."""
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
    if op in ("after", "before"):
        if not isinstance(value, datetime):
            return False
        moment = as_utc(value)
        return bool(moment > operand) if op == "after" else bool(moment < operand)
    if not _is_number(value):
        return False
    if op == "more_than":
        return bool(value > operand)
    if op == "less_than":
        return bool(value < operand)
    if op == "more_than_equal":
        return bool(value >= operand)
    return bool(value <= operand)


def _contains(value: Any, operand: str) -> bool:
    if isinstance(value, str):
        return operand in value
    if isinstance(value, list):
        return any(_equal(element, operand) for element in value)
    return False


def satisfies(filter_: Filter, item: Item) -> bool:
    results = (holds(c, item.value(c.field)) for c in filter_.conditions)
    return all(results) if filter_.junction == "and" else any(results)


def matches(collection: Collection, item: Item) -> bool:
    """Whether a product or SKU belongs to the collection.

    STATIC: the item is listed, or it is a SKU whose product is listed (a product brings all
    its SKUs). AUTO_UPDATE: the item itself satisfies the filter.
    """
    if collection.type == "STATIC":
        for entry in collection.products:
            if entry.id == item.id and entry.object == item.object:
                return True
            if entry.object == "product" and item.object == "sku" and entry.id == item.product_id:
                return True
        return False
    return collection.filter is not None and satisfies(collection.filter, item)


def sql_terms(filter_: Filter) -> Sequence[Condition]:
    """Conditions a query may apply to narrow the candidates: under AND, those on columns
    (not metadata). Under OR nothing narrows; `matches` always has the last word."""
    if filter_.junction != "and":
        return ()
    return tuple(c for c in filter_.conditions if c.kind is not Kind.METADATA)
