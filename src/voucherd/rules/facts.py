"""What rules read, built ONCE per request (`Facts`) and narrowed per redeemable (`at`).

The order part moves through a stack: `amount` is the running total when a redeemable is
checked (after the discounts before it), `initial_amount` stays the cart's value. Counter
values come locked from `counters.py` and already include the attempt being checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from voucherd.discounts.calculation_types import OrderInput
from voucherd.product_collections.filters import Collection, Item
from voucherd.rules.windows import UTC as UTC_ZONE

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ItemFact:
    index: int  # position in the order's items (0-based, as `order_item_indices`)
    product_id: str | None
    sku_id: str | None
    source_id: str | None
    quantity: int
    amount: int
    price: int | None  # unit price: the line's, else amount spread over quantity
    metadata: Mapping[str, Any]
    # The product (and SKU) as product collections see them, for `products_collection`
    # entries; built from the ids alone unless the catalogue was read.
    views: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Facts:
    now: datetime
    zone: ZoneInfo = UTC_ZONE
    amount: int = 0
    initial_amount: int = 0
    items: tuple[ItemFact, ...] = ()
    customer_id: str | None = None
    customer_metadata: Mapping[str, Any] = field(default_factory=dict)
    segment_ids: frozenset[str] = frozenset()
    order_metadata: Mapping[str, Any] = field(default_factory=dict)
    request_metadata: Mapping[str, Any] = field(default_factory=dict)
    custom_event_metadata: Mapping[str, Any] = field(default_factory=dict)
    api_key_id: str | None = None
    collections: Mapping[str, Collection] = field(default_factory=dict)
    # Per redeemable (set by `at`):
    holder_id: str | None = None
    counters: Mapping[str, int] = field(default_factory=dict)
    points_used: int = 0

    def at(self, **changes: Any) -> Facts:
        """The facts one redeemable of the stack is checked against."""
        return replace(self, **changes)


def unit_price(quantity: int, price: int | None, amount: int | None) -> int | None:
    if price is not None:
        return price
    if amount is not None and quantity > 0:
        return int((Decimal(amount) / quantity).to_integral_value())
    return None


def _views(product_id: str | None, sku_id: str | None, source_id: str | None) -> tuple[Item, ...]:
    views: list[Item] = []
    if sku_id is not None:
        views.append(Item("sku", sku_id, product_id, source_id, None, None, None, _EPOCH, None, {}))
    if product_id is not None:
        views.append(Item("product", product_id, None, None, None, None, None, _EPOCH, None, {}))
    return tuple(views)


def order_items(
    order: OrderInput,
    metadata: Sequence[Mapping[str, Any] | None] = (),
    catalogue: Mapping[str, tuple[Item, ...]] | None = None,
) -> tuple[ItemFact, ...]:
    """The order's lines as rules see them; `metadata[i]` is line i's metadata and
    `catalogue` (by product or SKU id) the full views when AUTO_UPDATE collections need
    them."""
    facts: list[ItemFact] = []
    for index, item in enumerate(order.items):
        amount = item.amount if item.amount is not None else (item.price or 0) * item.quantity
        views = _views(item.product_id, item.sku_id, item.source_id)
        if catalogue is not None:
            key = item.sku_id or item.product_id or ""
            views = catalogue.get(key, views)
        facts.append(
            ItemFact(
                index=index,
                product_id=item.product_id,
                sku_id=item.sku_id,
                source_id=item.source_id,
                quantity=item.quantity,
                amount=amount,
                price=unit_price(item.quantity, item.price, item.amount),
                metadata=(metadata[index] if index < len(metadata) else None) or {},
                views=views,
            )
        )
    return tuple(facts)
