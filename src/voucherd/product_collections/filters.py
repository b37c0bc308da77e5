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
from typing import Any, Literal

from voucherd.kit import conditions
from voucherd.kit.conditions import (
    DATES,
    EQUALITY,
    METADATA_PREFIX,
    ORDER,
    PRESENCE,
    TEXT,
    Condition,
    Filter,
    Kind,
    holds,
)

__all__ = ["Collection", "Condition", "Filter", "Item", "Kind", "StaticEntry", "holds"]

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

OPS: Mapping[Kind, tuple[str, ...]] = {
    Kind.STRING: PRESENCE + EQUALITY + TEXT,
    Kind.NUMBER: PRESENCE + EQUALITY + ORDER,
    Kind.DATE: PRESENCE + DATES,
    # Metadata holds any JSON: text operators apply to strings (and $contains to arrays),
    # order operators to numbers; a value of another type simply does not match.
    Kind.METADATA: PRESENCE + EQUALITY + TEXT + ORDER,
}

_KIND_OF = conditions.field_kinds(FIELDS, "product collections")


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
    return conditions.parse(raw, kind_of=_KIND_OF, ops=OPS)


def satisfies(filter_: Filter, item: Item) -> bool:
    return conditions.satisfies(filter_, item.value)


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
