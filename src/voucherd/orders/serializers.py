"""Orders on the wire (REST responses and the `order` object inside events)."""

from __future__ import annotations

from typing import Any

from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent
from voucherd.orders.models import Order, OrderItem


def _drop_none(body: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None or k in keep}


def item_body(item: OrderItem) -> dict[str, Any]:
    return _drop_none(
        {
            "object": "order_item",
            "id": item.id,
            "source_id": item.source_id,
            "related_object": item.related_object,
            "product_id": item.product_id,
            "sku_id": item.sku_id,
            "quantity": item.quantity,
            "discount_quantity": item.discount_quantity,
            "initial_quantity": item.initial_quantity,
            "amount": item.amount,
            "initial_amount": item.initial_amount,
            "discount_amount": item.discount_amount or None,
            "applied_discount_amount": item.applied_discount_amount,
            "price": item.price,
            "subtotal_amount": item.subtotal_amount,
            "product": item.product,
            "sku": item.sku,
            "metadata": item.metadata_ or None,
        }
    )


# Voucherify leaves these out of an order without them (kit/wire.py).
ORDER_OMITTED_WHEN_ABSENT = ("customer", "referrer")


def order_body(order: Order) -> dict[str, Any]:
    applied = order.applied_discount_amount
    items_applied = order.items_applied_discount_amount
    total_applied = (
        None if applied is None and items_applied is None else (applied or 0) + (items_applied or 0)
    )
    body = {
        "id": order.id,
        "source_id": order.source_id,
        "status": order.status,
        "customer_id": order.customer_id,
        "referrer_id": order.referrer_id,
        "amount": order.amount,
        "initial_amount": order.initial_amount,
        "discount_amount": order.discount_amount,
        "items_discount_amount": order.items_discount_amount,
        "total_discount_amount": order.total_discount_amount,
        "total_amount": order.total_amount,
        "applied_discount_amount": applied,
        "items_applied_discount_amount": items_applied,
        "total_applied_discount_amount": total_applied,
        "items": [item_body(i) for i in order.items],
        "metadata": order.metadata_ or {},
        "customer": {"id": order.customer_id, "object": "customer"} if order.customer_id else None,
        "referrer": {"id": order.referrer_id, "object": "customer"} if order.referrer_id else None,
        "redemptions": order.redemptions or {},
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "object": "order",
    }
    return omit_absent(body, ORDER_OMITTED_WHEN_ABSENT)
