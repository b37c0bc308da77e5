"""Orders read in bulk for reports (the console's program simulator): plain rows in keyset
batches, never ORM instances, so a long range costs neither memory nor per-object overhead."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import cast

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.orders.models import Order, OrderItem

BATCH = 1000


class _OrderView(SimpleNamespace):
    """A stored order as plain attributes, with the ORM class's own derived properties: the
    serializers read it as they read an `Order`."""

    total_discount_amount = Order.__dict__["total_discount_amount"]
    total_amount = Order.__dict__["total_amount"]


class _ItemView(SimpleNamespace):
    subtotal_amount = OrderItem.__dict__["subtotal_amount"]


_ORDER_COLUMNS = [(a.key, a.columns[0]) for a in sa_inspect(Order).column_attrs]
_ITEM_COLUMNS = [(a.key, a.columns[0]) for a in sa_inspect(OrderItem).column_attrs]


async def paid_between(
    session: AsyncSession, project_id: str, start: datetime, end: datetime, batch: int = BATCH
) -> AsyncIterator[Sequence[Order]]:
    """Orders first paid in [start, end) with their items, `batch` at a time: one query for
    the orders and one for their items per batch. Read-only views (typed as `Order`): nothing
    enters the session's identity map."""
    order_keys = [k for k, _ in _ORDER_COLUMNS]
    item_keys = [k for k, _ in _ITEM_COLUMNS]
    last = ""
    while True:
        rows = (
            await session.execute(
                select(*(column for _, column in _ORDER_COLUMNS))
                .where(
                    Order.project_id == project_id,
                    Order.paid_at >= start,
                    Order.paid_at < end,
                    Order.id > last,
                )
                .order_by(Order.id)
                .limit(batch)
            )
        ).all()
        if not rows:
            return
        orders = [_OrderView(**dict(zip(order_keys, row, strict=True))) for row in rows]
        by_id = {o.id: o for o in orders}
        for o in orders:
            o.items = []
        items = await session.execute(
            select(*(column for _, column in _ITEM_COLUMNS))
            .where(OrderItem.order_id.in_(list(by_id)))
            .order_by(OrderItem.order_id, OrderItem.position)
        )
        for row in items.all():
            item = _ItemView(**dict(zip(item_keys, row, strict=True)))
            by_id[item.order_id].items.append(item)
        yield cast("list[Order]", orders)
        if len(rows) < batch:
            return
        last = orders[-1].id
