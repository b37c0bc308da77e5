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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers.models import Customer
from voucherd.kit.context import RequestContext
from voucherd.orders.models import Order
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


async def paid_orders(
    session: AsyncSession, project_id: str, start: datetime, end: datetime, batch: int = BATCH
) -> AsyncIterator[Sequence[Order]]:
    """Orders first paid in [start, end), `batch` at a time (their items come with each batch
    in one more query); each batch leaves the session once used, so memory stays flat."""
    last = ""
    while True:
        rows = (
            (
                await session.execute(
                    select(Order)
                    .where(
                        Order.project_id == project_id,
                        Order.paid_at >= start,
                        Order.paid_at < end,
                        Order.id > last,
                    )
                    .order_by(Order.id)
                    .limit(batch)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield rows
        for order in rows:
            for item in order.items:
                session.expunge(item)
            session.expunge(order)
        if len(rows) < batch:
            return
        last = rows[-1].id


async def customers_of(
    session: AsyncSession, project_id: str, ids: set[str]
) -> dict[str, Customer]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Customer).where(Customer.project_id == project_id, Customer.id.in_(sorted(ids)))
    )
    return {c.id: c for c in rows.scalars().all()}


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
