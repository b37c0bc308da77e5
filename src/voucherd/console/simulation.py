"""The program simulator's replay: the stored orders paid in a past range, run through a draft
earning rule or a draft discount by PURE evaluation, next to what actually happened.

Nothing is written: the orders are read in keyset batches (`orders.reports`: one query for the
orders, one for their items; then one for their customers and one for the program's cards per
batch: no query per order), and every number comes from the domains' own calculations: earning
points (`earning.points.compute`), validation rules (`rules.evaluate.evaluate`), targeting
(`rules.targeting.target`), discounts (`discounts.resolve` + `discounts.calculation`) and tiers
(`tiers.rules.tier_for`). What cannot be replayed without a query per order (customer segments,
redemption counters) is named in `caveats`, never silently guessed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers import service as customers
from voucherd.kit.context import RequestContext
from voucherd.loyalty import reports as loyalty_reports
from voucherd.orders import reports as order_reports
from voucherd.orders.models import Order
from voucherd.product_collections.filters import Collection
from voucherd.rules import counters, decisions
from voucherd.rules.tree import RuleSet, Targeting
from voucherd.vouchers.models import Voucher

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


# --- reading: through the domains' reports and services, a batch at a time -------------------


def paid_orders(
    session: AsyncSession, project_id: str, start: datetime, end: datetime
) -> AsyncIterator[Sequence[Order]]:
    """Orders first paid in [start, end), with their items, in batches (plain rows)."""
    return order_reports.paid_between(session, project_id, start, end)


async def customers_of(
    session: AsyncSession, ctx: RequestContext, ids: set[str]
) -> dict[str, Mapping[str, Any]]:
    """The customers' metadata (what rules and formulas read of them), by id: one query."""
    found = await customers.get_many(session, ctx, sorted(ids)) if ids else {}
    return {customer_id: c.metadata_ or {} for customer_id, c in found.items()}


async def cards_of(session: AsyncSession, program_id: str, holders: set[str]) -> dict[str, Voucher]:
    return await loyalty_reports.cards_by_holder(session, program_id, holders)


async def collections_for(
    session: AsyncSession, ctx: RequestContext, rule_sets: Sequence[RuleSet], targeting: Targeting
) -> Mapping[str, Collection]:
    return await decisions.collections_named(session, ctx, rule_sets, targeting)


def caveats(rule_sets: Sequence[RuleSet]) -> list[str]:
    """What the replay cannot know without a query per order, said on the page."""
    names = decisions.names_in(rule_sets)
    notes = []
    if "customer.segment" in names:
        notes.append("Rules on customer segments are replayed with no segment membership.")
    if any(counters.is_counter(n) for n in names):
        notes.append("Rules on redemption counters are replayed with counters at zero.")
    return notes
