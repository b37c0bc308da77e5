"""Order rules: upsert, amounts from lines, status changes and the events they record.

An order that becomes PAID records `customer.order.paid` exactly once (loyalty earns on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.money import MAX_AMOUNT
from voucherd.kit.timefmt import as_utc
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.orders import repository
from voucherd.orders.models import Order, OrderItem
from voucherd.orders.pricing import apply_calculation as apply_calculation
from voucherd.orders.pricing import order_input as order_input
from voucherd.orders.pricing import product_snapshot, sku_snapshot
from voucherd.orders.pricing import remove_discount as remove_discount
from voucherd.orders.schemas import OrderCreate, OrderFields, OrderItemIn, OrderUpdate
from voucherd.orders.serializers import order_body
from voucherd.products import service as products
from voucherd.products.models import Product

STATUS_EVENTS = {
    "PAID": "customer.order.paid",
    "CANCELED": "customer.order.canceled",
    "FULFILLED": "customer.order.fulfilled",
}


class InvalidOrder(ApiError):
    status = 400
    key = "invalid_order"
    message = "Invalid order"


async def get(
    session: AsyncSession, ctx: RequestContext, key: str, *, for_update: bool = False
) -> Order:
    order = await repository.get_by_id_or_source_id(
        session, ctx.project_id, key, for_update=for_update
    )
    if order is None:
        raise NotFound("order", key)
    return order


async def _build_item(
    session: AsyncSession,
    ctx: RequestContext,
    order: Order,
    position: int,
    data: OrderItemIn,
    known: dict[str, Product],
) -> OrderItem:
    await metadata_schemas.check(
        session, ctx, "order_item", data.metadata, f"items[{position}].metadata"
    )
    product, sku = await products.resolve_for_order_item(
        session,
        ctx,
        product_id=data.product_id,
        sku_id=data.sku_id,
        source_id=data.source_id,
        related_object=data.related_object,
        product_data=data.product.model_dump(exclude_none=True) if data.product else None,
        sku_data=data.sku.model_dump(exclude_none=True) if data.sku else None,
        known=known,
    )
    price = data.price
    if price is None:
        price = (sku.price if sku is not None else None) or (product.price if product else None)
    amount = data.amount
    if amount is None and price is not None and data.quantity is not None:
        amount = price * data.quantity
    discount = data.discount_amount or 0
    if amount is not None and discount > amount:
        raise InvalidOrder(f"items[{position}].discount_amount exceeds the item amount")
    related = data.related_object or ("sku" if sku is not None else "product" if product else None)
    return OrderItem(
        id=new_id(Prefix.ORDER_ITEM),
        order_id=order.id,
        position=position,
        related_object=related,
        source_id=data.source_id
        or (sku.source_id if sku else product.source_id if product else None),
        product_id=product.id if product else None,
        sku_id=sku.id if sku else None,
        quantity=data.quantity,
        discount_quantity=data.discount_quantity,
        initial_quantity=data.initial_quantity,
        price=price,
        amount=amount,
        initial_amount=data.initial_amount,
        discount_amount=discount,
        product=product_snapshot(product),
        sku=sku_snapshot(sku),
        metadata_=dict(data.metadata or {}),
    )


async def _apply(
    session: AsyncSession, ctx: RequestContext, order: Order, data: OrderFields
) -> Customer | None:
    await metadata_schemas.check(session, ctx, "order", data.metadata)
    fields = data.model_fields_set
    customer: Customer | None = None
    if "customer" in fields and data.customer is not None:
        customer = await customers.resolve_reference(session, ctx, data.customer)
        order.customer_id = customer.id if customer else None
    if "referrer" in fields and data.referrer is not None:
        referrer = await customers.resolve_reference(session, ctx, data.referrer)
        order.referrer_id = referrer.id if referrer else None
    elif data.referrer_id:
        order.referrer_id = (await customers.get(session, ctx, data.referrer_id)).id
    if "items" in fields:
        lines = data.items or []
        known = await products.products_named_by(
            session,
            ctx,
            (
                line.source_id or (line.product.source_id if line.product else None)
                for line in lines
                if line.related_object in (None, "product")
            ),
        )
        items = [
            await _build_item(session, ctx, order, i, item, known) for i, item in enumerate(lines)
        ]
        order.items = items
    if "metadata" in fields:
        order.metadata_ = dict(data.metadata or {})
    if "status" in fields and data.status is not None:
        order.status = data.status
    if "initial_amount" in fields:
        order.initial_amount = data.initial_amount
    if "discount_amount" in fields:
        order.discount_amount = data.discount_amount or 0
    if "amount" in fields and data.amount is not None:
        order.amount = data.amount
    elif "items" in fields:
        amounts = [i.amount for i in order.items if i.amount is not None]
        order.amount = sum(amounts) if amounts else order.amount
    order.items_discount_amount = sum(i.discount_amount for i in order.items)
    too_large = [i.position for i in order.items if (i.amount or 0) > MAX_AMOUNT]
    if too_large or (order.amount or 0) > MAX_AMOUNT:
        where = f"items[{too_large[0]}].amount" if too_large else "amount"
        raise InvalidOrder(f"{where} exceeds the largest amount accepted ({MAX_AMOUNT} cents)")
    if order.total_amount is not None and order.total_amount < 0:
        raise InvalidOrder("Discounts exceed the order amount")
    return customer


async def _load_customer(
    session: AsyncSession, ctx: RequestContext, order: Order, known: Customer | None
) -> Customer | None:
    if known is not None or order.customer_id is None:
        return known
    return await customers.get(session, ctx, order.customer_id)


def event_data(order: Order, customer: Customer | None) -> dict[str, Any]:
    return {
        "customer": simple_customer(customer) if customer else None,
        "referrer": None,
        "order": order_body(order),
        "redemption": None,
    }


async def record_status_events(
    session: AsyncSession,
    ctx: RequestContext,
    order: Order,
    customer: Customer | None,
    *,
    created: bool,
    previous_status: str | None,
    newly_paid: bool = False,
) -> None:
    """Events after an order was saved; `customer.order.paid` only on its first PAID save.

    `newly_paid`: the order was created PAID by this transaction, which set `paid_at`
    itself; every other save goes through the conditional UPDATE that lets one caller win.
    """
    data = event_data(order, customer)
    await record_event(
        session,
        ctx,
        "customer.order.created" if created else "customer.order.updated",
        entity_id=order.id,
        data=data,
    )
    if order.status == "PAID":
        now = order.paid_at if newly_paid and order.paid_at else utcnow()
        if newly_paid or await repository.mark_paid_once(session, order.id, now):
            if customer is not None and order.amount is not None:
                await customers.record_paid_order(
                    session, customer.id, order.total_amount or 0, now
                )
            await record_event(session, ctx, "customer.order.paid", entity_id=order.id, data=data)
    elif order.status != previous_status and order.status in STATUS_EVENTS:
        await record_event(session, ctx, STATUS_EVENTS[order.status], entity_id=order.id, data=data)


@dataclass
class StagedOrder:
    """An order written but not yet announced: a redemption adds its discounts in between."""

    order: Order
    customer: Customer | None
    created: bool
    previous_status: str | None


async def _stage_existing(
    session: AsyncSession, ctx: RequestContext, order: Order, data: OrderFields
) -> StagedOrder:
    previous_status = order.status
    customer = await _apply(session, ctx, order, data)
    if data.created_at is not None:
        order.created_at = as_utc(data.created_at)
    order.updated_at = utcnow()
    await session.flush()
    return StagedOrder(
        order, await _load_customer(session, ctx, order, customer), False, previous_status
    )


async def stage(session: AsyncSession, ctx: RequestContext, data: OrderCreate) -> StagedOrder:
    """Create, or update the order with the same id or source_id (Voucherify upsert mode)."""
    existing: Order | None = None
    if data.id:
        existing = await repository.get_by_id_or_source_id(
            session, ctx.project_id, data.id, for_update=True
        )
        if existing is None or existing.id != data.id:
            raise NotFound("order", data.id)
    elif data.source_id:
        # Locked as by id: two requests staging one order (two redemptions on it) would each
        # write amounts and the `redemptions` map computed from the order as they read it,
        # and the later commit would drop the earlier one's discount.
        existing = await repository.get_by_source_id(
            session, ctx.project_id, data.source_id, for_update=True
        )
    if existing is not None:
        return await _stage_existing(session, ctx, existing, data)
    order = Order(
        id=new_id(Prefix.ORDER),
        project_id=ctx.project_id,
        source_id=data.source_id,
        status="CREATED",
        redemptions={},
        metadata_={},
        items=[],
        discount_amount=0,
        items_discount_amount=0,
        created_at=as_utc(data.created_at) if data.created_at else utcnow(),
    )
    if not data.source_id:
        # Nobody else can create this order: fill it in, then one INSERT (no savepoint).
        customer = await _apply(session, ctx, order, data)
        session.add(order)  # INSERTed by the next flush: after a redemption's discounts
        return StagedOrder(order, await _load_customer(session, ctx, order, customer), True, None)
    try:
        # Added inside the savepoint: begin_nested() flushes pending rows first, and a
        # conflicting INSERT outside the savepoint would abort the whole transaction.
        async with session.begin_nested():
            session.add(order)
            await session.flush()
    except IntegrityError:
        # Another request created the same source_id first: this one becomes an update.
        if order in session:  # a rolled-back savepoint already dropped it
            session.expunge(order)
        existing = await repository.get_by_source_id(
            session, ctx.project_id, data.source_id, for_update=True
        )
        if existing is None:
            raise
        return await _stage_existing(session, ctx, existing, data)
    customer = await _apply(session, ctx, order, data)
    await session.flush()
    return StagedOrder(order, await _load_customer(session, ctx, order, customer), True, None)


async def announce(session: AsyncSession, ctx: RequestContext, staged: StagedOrder) -> Order:
    """Record the staged order's events (created/updated, and paid exactly once)."""
    order = staged.order
    # Nobody else can see an order this transaction creates: it is paid here, in its INSERT.
    newly_paid = staged.created and order.status == "PAID" and order.paid_at is None
    if newly_paid:
        order.paid_at = utcnow()
    await session.flush()
    await record_status_events(
        session,
        ctx,
        order,
        staged.customer,
        created=staged.created,
        previous_status=staged.previous_status,
        newly_paid=newly_paid,
    )
    return staged.order


async def upsert(session: AsyncSession, ctx: RequestContext, data: OrderCreate) -> Order:
    return await announce(session, ctx, await stage(session, ctx, data))


async def update(session: AsyncSession, ctx: RequestContext, key: str, data: OrderUpdate) -> Order:
    # Locked as in `stage`: two updates of one order would each replace its items from the
    # order as they read it, and both sets of items would be stored.
    order = await get(session, ctx, key, for_update=True)
    if data.source_id is not None and data.source_id != order.source_id:
        raise InvalidPayload(f"source_id cannot be changed: the order's is {order.source_id}")
    return await announce(session, ctx, await _stage_existing(session, ctx, order, data))


async def get_for_redemption(session: AsyncSession, ctx: RequestContext, order_id: str) -> Order:
    return await get(session, ctx, order_id)
