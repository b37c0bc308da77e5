"""The program simulator's replay: the stored orders paid in a past range, run through a draft
earning rule or a draft discount by PURE evaluation, next to what actually happened.

Nothing is written: the orders are read in keyset batches (one query for the orders, one for
their items, one for their customers and one for the program's cards per batch: no query per
order), and every number comes from the domains' own calculations: earning points
(`earning.points.compute`), validation rules (`rules.evaluate.evaluate`), targeting
(`rules.targeting.target`), discounts (`discounts.resolve` + `discounts.calculation`) and tiers
(`tiers.rules.tier_for`). What cannot be replayed without a query per order (customer segments,
redemption counters) is named in `caveats`, never silently guessed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers.models import Customer
from voucherd.kit.context import RequestContext
from voucherd.orders.models import Order, OrderItem
from voucherd.product_collections import service as collections
from voucherd.product_collections.filters import Collection
from voucherd.rules import counters, decisions
from voucherd.rules.tree import RuleSet, Targeting
from voucherd.vouchers.models import Voucher

BATCH = 1000
NO_TIER = "No tier"


@dataclass(frozen=True)
class TierRow:
    name: str
    actual: int
    simulated: int


@dataclass
class Side:
    """One column of the comparison: points (earning) or cents (discounts)."""

    total: int = 0
    orders: int = 0
    customers: set[str] = field(default_factory=set)


@dataclass
class Simulation:
    kind: str  # "earning" | "discount"
    orders: int = 0
    simulated: Side = field(default_factory=Side)
    actual: Side = field(default_factory=Side)
    tiers: list[TierRow] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def customers_changed(self) -> int:
        return len(self.simulated.customers ^ self.actual.customers)


# --- reading: orders in keyset batches --------------------------------------------------------


class _OrderView(SimpleNamespace):
    """A stored order as plain attributes, with the ORM class's own derived properties: the
    serializers read it as they read an `Order`, without the cost of ORM instances."""

    total_discount_amount = Order.__dict__["total_discount_amount"]
    total_amount = Order.__dict__["total_amount"]


class _ItemView(SimpleNamespace):
    subtotal_amount = OrderItem.__dict__["subtotal_amount"]


_ORDER_COLUMNS = [(a.key, a.columns[0]) for a in sa_inspect(Order).column_attrs]
_ITEM_COLUMNS = [(a.key, a.columns[0]) for a in sa_inspect(OrderItem).column_attrs]


async def paid_orders(
    session: AsyncSession, project_id: str, start: datetime, end: datetime, batch: int = BATCH
) -> AsyncIterator[Sequence[Order]]:
    """Orders first paid in [start, end), `batch` at a time: one query for the orders, one
    for their items. Plain rows, read-only (nothing enters the session's identity map), so
    memory stays flat however long the range."""
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
        orders = [_OrderView(**dict(zip((k for k, _ in _ORDER_COLUMNS), row, strict=True)))
                  for row in rows]  # fmt: skip
        by_id = {o.id: o for o in orders}
        for o in orders:
            o.items = []
        items = await session.execute(
            select(*(column for _, column in _ITEM_COLUMNS))
            .where(OrderItem.order_id.in_(list(by_id)))
            .order_by(OrderItem.order_id, OrderItem.position)
        )
        keys = [k for k, _ in _ITEM_COLUMNS]
        for row in items.all():
            item = _ItemView(**dict(zip(keys, row, strict=True)))
            by_id[item.order_id].items.append(item)
        yield cast("list[Order]", orders)
        if len(rows) < batch:
            return
        last = orders[-1].id


async def customers_of(
    session: AsyncSession, project_id: str, ids: set[str]
) -> dict[str, Mapping[str, Any]]:
    """The customers' metadata (what rules and formulas read of them), by id: one query."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Customer.id, Customer.metadata_).where(
            Customer.project_id == project_id, Customer.id.in_(sorted(ids))
        )
    )
    return {customer_id: metadata or {} for customer_id, metadata in rows.all()}


async def cards_of(session: AsyncSession, program_id: str, holders: set[str]) -> dict[str, Voucher]:
    if not holders:
        return {}
    rows = await session.execute(
        select(Voucher).where(Voucher.campaign_id == program_id, Voucher.holder_id.in_(holders))
    )
    return {v.holder_id: v for v in rows.scalars().all() if v.holder_id}


async def collections_for(
    session: AsyncSession, ctx: RequestContext, rule_sets: Sequence[RuleSet], targeting: Targeting
) -> Mapping[str, Collection]:
    assigned = [decisions.Assigned("draft", r, targeting, None) for r in rule_sets]
    wanted = decisions._collection_ids(assigned)  # the decisions' own reading of rules
    return await collections.rules_by_id(session, ctx, wanted) if wanted else {}


def _names(rule_sets: Sequence[RuleSet]) -> set[str]:
    return {name for r in rule_sets for name, _ in decisions._names(r)}


def caveats(rule_sets: Sequence[RuleSet]) -> list[str]:
    names = _names(rule_sets)
    notes = []
    if "customer.segment" in names:
        notes.append("Rules on customer segments are replayed with no segment membership.")
    if any(counters.is_counter(n) for n in names):
        notes.append("Rules on redemption counters are replayed with counters at zero.")
    return notes
