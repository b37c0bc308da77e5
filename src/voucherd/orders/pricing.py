"""An order as the discount calculation sees it, and the calculation written back onto it."""

from __future__ import annotations

from typing import Any

from voucherd.discounts.calculation import (
    CalculatedItem,
    CalculatedOrder,
    OrderInput,
    OrderItemInput,
)
from voucherd.kit.clock import utcnow
from voucherd.kit.ids import Prefix, new_id
from voucherd.orders.models import Order, OrderItem
from voucherd.products.models import Product, Sku
from voucherd.products.service import Catalogue


def product_snapshot(product: Product | None) -> dict[str, Any] | None:
    """The product as an order line names it (Voucherify keeps it with the line)."""
    if product is None:
        return None
    return {
        "id": product.id,
        "source_id": product.source_id,
        "name": product.name,
        "price": product.price,
        "metadata": product.metadata_ or {},
        "object": "product",
    }


def sku_snapshot(sku: Sku | None) -> dict[str, Any] | None:
    if sku is None:
        return None
    return {
        "id": sku.id,
        "source_id": sku.source_id,
        "sku": sku.sku,
        "price": sku.price,
        "metadata": sku.metadata_ or {},
        "object": "sku",
    }


def order_input(order: Order) -> OrderInput:
    """The order as the discount calculation sees it (existing discounts included)."""
    return OrderInput(
        items=tuple(
            OrderItemInput(
                quantity=item.quantity or 1,
                price=item.price,
                amount=item.amount,
                product_id=item.product_id,
                sku_id=item.sku_id,
                source_id=item.source_id,
                discount_amount=item.discount_amount,
            )
            for item in order.items
        ),
        amount=order.amount,
        discount_amount=order.discount_amount,
    )


def apply_calculation(
    order: Order,
    calc: CalculatedOrder,
    redemptions: dict[str, Any],
    catalogue: Catalogue | None = None,
) -> None:
    """Write a redemption's calculated amounts onto the order.

    The calculation's lines are the order's lines, in order, followed by the lines its UNIT
    discounts added (free items, named in `catalogue` by product or SKU id): those become
    order items too, so the stored order's items always add up to its amount.
    """
    order.amount = calc.amount
    order.discount_amount = calc.discount_amount
    order.items_discount_amount = calc.items_discount_amount
    order.applied_discount_amount = calc.applied_discount_amount
    order.items_applied_discount_amount = calc.items_applied_discount_amount
    if order.initial_amount is None and calc.initial_amount != calc.amount:
        order.initial_amount = calc.initial_amount  # before the free items were added
    existing = list(order.items)
    for position, calculated in enumerate(calc.items):
        if position < len(existing):
            _update_item(existing[position], calculated)
        else:
            order.items.append(_added_item(order, position, calculated, catalogue or {}))
    order.redemptions = {**(order.redemptions or {}), **redemptions}


def _update_item(item: OrderItem, calculated: CalculatedItem) -> None:
    item.discount_amount = calculated.discount_amount
    item.applied_discount_amount = calculated.applied_discount_amount
    item.amount = calculated.amount
    if calculated.applied_quantity:  # ADD_MISSING_ITEMS topped the line up
        if item.initial_quantity is None:
            item.initial_quantity = calculated.initial_quantity
            item.initial_amount = calculated.initial_amount
        item.quantity = calculated.quantity
    if calculated.discount_quantity:
        item.discount_quantity = (item.discount_quantity or 0) + calculated.discount_quantity


def _added_item(
    order: Order, position: int, calculated: CalculatedItem, catalogue: Catalogue
) -> OrderItem:
    """A free-item line, shaped like Voucherify's (initial quantity and amount 0)."""
    key = calculated.sku_id or calculated.product_id or ""
    product, sku = catalogue.get(key, (None, None))
    return OrderItem(
        id=new_id(Prefix.ORDER_ITEM),
        order_id=order.id,
        position=position,
        product_id=calculated.product_id,
        sku_id=calculated.sku_id,
        quantity=calculated.quantity,
        discount_quantity=calculated.discount_quantity,
        initial_quantity=calculated.initial_quantity,
        price=calculated.price,
        amount=calculated.amount,
        initial_amount=calculated.initial_amount,
        discount_amount=calculated.discount_amount,
        applied_discount_amount=calculated.applied_discount_amount,
        product=product_snapshot(product),
        sku=sku_snapshot(sku),
        metadata_={},
    )


def remove_discount(order: Order, applied: dict[str, Any]) -> None:
    """Give back what one redemption took from the order (on rollback)."""
    order.discount_amount = max(0, order.discount_amount - int(applied.get("order", 0)))
    for index, cents in (applied.get("items") or {}).items():
        position = int(index)
        if position < len(order.items):
            item = order.items[position]
            item.discount_amount = max(0, item.discount_amount - int(cents))
    for index, (added, added_amount, freed) in (applied.get("units") or {}).items():
        position = int(index)
        if position < len(order.items):
            _remove_units(order, order.items[position], added, added_amount, freed)
    order.items_discount_amount = sum(i.discount_amount for i in order.items)
    order.applied_discount_amount = None
    order.items_applied_discount_amount = None
    order.updated_at = utcnow()


def _remove_units(order: Order, item: OrderItem, added: int, added_amount: int, freed: int) -> None:
    """Take back the free units a UNIT discount put on the line: the order shrinks by what
    they added, so its items still add up to its amount. A line the discount created stays,
    at quantity 0, because other redemptions' records name lines by position."""
    item.quantity = max(0, (item.quantity or 0) - added)
    item.amount = max(0, (item.amount or 0) - added_amount)
    order.amount = max(0, (order.amount or 0) - added_amount)
    if freed and item.discount_quantity is not None:
        item.discount_quantity = max(0, item.discount_quantity - freed) or None
