"""The simulator's earning replay: a loyalty program's order.paid rules with one rule changed
or added, over the orders paid in a range, next to the points the ledger shows for them."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.console.simulation import (
    NO_TIER,
    Side,
    Simulation,
    TierRow,
    cards_of,
    caveats,
    collections_for,
    customers_of,
    paid_orders,
)
from voucherd.earning import service as earning
from voucherd.earning.points import EarningFacts, compute
from voucherd.earning.service import rule_fields
from voucherd.kit.context import RequestContext
from voucherd.kit.validity import is_live
from voucherd.loyalty import reports as loyalty_reports
from voucherd.orders.models import Order
from voucherd.orders.serializers import order_body
from voucherd.product_collections.filters import Collection
from voucherd.rules import decisions
from voucherd.rules.evaluate import evaluate
from voucherd.rules.facts import Facts
from voucherd.rules.tree import RuleSet, Targeting
from voucherd.tiers import service as tier_service
from voucherd.tiers.models import LoyaltyTier
from voucherd.tiers.rules import tier_for
from voucherd.tiers.service import points_range
from voucherd.vouchers.models import Voucher


@dataclass(frozen=True)
class EarningDraft:
    """A program's order.paid rules with one changed (`replaces`) or one added (None)."""

    program: Campaign
    loyalty: Mapping[str, Any]
    replaces: str | None = None
    # The draft's validation rule; None keeps the replaced rule's own (a new rule has none).
    rules: RuleSet | None = None


def _facts(
    ctx: RequestContext,
    order: Order,
    customer: Mapping[str, Any] | None,
    collections_found: Mapping[str, Collection],
    body: Mapping[str, Any],
) -> Facts:
    amount, items = decisions.order_facts(body)
    return Facts(
        now=order.paid_at or order.created_at,
        zone=ctx.zone,
        amount=amount,
        initial_amount=amount,
        items=items,
        customer_id=order.customer_id,
        customer_metadata=customer or {},
        order_metadata=order.metadata_ or {},
        collections=collections_found,
    )


# --- earning ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    id: str | None
    loyalty: Mapping[str, Any]
    rules: list[RuleSet]
    # The stored rule's fields (its validity windows) as `is_live` reads them; None: the draft.
    fields: Mapping[str, Any] | None


async def _program_rules(
    session: AsyncSession, ctx: RequestContext, draft: EarningDraft
) -> list[_Rule]:
    stored = [
        r
        for r in await earning.active_order_paid_rules(session, ctx)
        if r.campaign_id == draft.program.id
    ]
    assigned = await decisions.rule_sets_for(session, ctx, [r.id for r in stored])
    out = [
        _Rule(r.id, r.loyalty, assigned.get(r.id, []), rule_fields(r))
        for r in stored
        if r.id != draft.replaces
    ]
    own = [draft.rules] if draft.rules is not None else assigned.get(draft.replaces or "", [])
    out.append(_Rule(draft.replaces, draft.loyalty, own, None))
    return out


async def simulate_earning(
    session: AsyncSession, ctx: RequestContext, draft: EarningDraft, start: datetime, end: datetime
) -> Simulation:
    began = time.perf_counter()
    result = Simulation("earning")
    program = draft.program
    rules = await _program_rules(session, ctx, draft)
    rule_sets = [r for rule in rules for r in rule.rules]
    found = await collections_for(session, ctx, rule_sets, Targeting())
    result.caveats = caveats(rule_sets)
    tiers = list(await tier_service.program_tiers(session, program.id))
    tier_by_id = {t.id: t for t in tiers}
    per_customer: dict[str, int] = {}
    members: dict[str, Voucher | None] = {}
    async for batch in paid_orders(session, ctx.project_id, start, end):
        holders = {o.customer_id for o in batch if o.customer_id}
        people = await customers_of(session, ctx, holders)
        cards = await cards_of(session, program.id, holders)
        for order in batch:
            result.orders += 1
            if order.customer_id is None:
                continue
            card = cards.get(order.customer_id)
            points = _order_points(ctx, order, people.get(order.customer_id), card,
                                   program, rules, found, tier_by_id)  # fmt: skip
            if points > 0:
                result.simulated.total += points
                result.simulated.orders += 1
                result.simulated.customers.add(order.customer_id)
                per_customer[order.customer_id] = per_customer.get(order.customer_id, 0) + points
                members[order.customer_id] = card
    actual = await actual_points(session, ctx.project_id, program.id, start, end, result.actual)
    await _member_cards(session, program.id, members, set(actual))
    result.tiers = tier_distribution(tiers, members, per_customer, actual)
    result.seconds = time.perf_counter() - began
    return result


def _order_points(
    ctx: RequestContext,
    order: Order,
    customer: Mapping[str, Any] | None,
    card: Voucher | None,
    program: Campaign,
    rules: Sequence[_Rule],
    found: Mapping[str, Collection],
    tier_by_id: Mapping[str, LoyaltyTier],
) -> int:
    """What `earning.earn` would give this paid order on this program (see its steps)."""
    paid = order.paid_at or order.created_at
    body = order_body(order)
    facts = _facts(ctx, order, customer, found, body)
    earning = EarningFacts(
        order=body,
        customer_metadata=customer or {},
        now=paid,
    )
    passing = [
        rule
        for rule in rules
        if (rule.fields is None or is_live(rule.fields, paid))
        and all(evaluate(r, facts).passed for r in rule.rules)
    ]
    if card is None:
        # Not a member: auto_join enrols when a rule gives points, with no tier yet.
        if not program.auto_join:
            return 0
        return sum(compute(rule.loyalty, earning).points for rule in passing)
    if not card.active:
        return 0
    tier = tier_by_id.get(card.loyalty_tier_id or "")
    total = 0
    for rule in passing:
        mapping = (tier.earning_rules or {}).get(rule.id or "") if tier is not None else None
        total += compute(rule.loyalty, earning, mapping).points
    return total


async def actual_points(
    session: AsyncSession,
    project_id: str,
    program_id: str,
    start: datetime,
    end: datetime,
    side: Side,
) -> dict[str, int]:
    """Points the program's earning rules actually gave orders in the range (credited, or
    held as pending and not cancelled), per customer; fills `side`."""
    per_customer: dict[str, int] = {}
    orders: set[str] = set()
    found = await loyalty_reports.points_earned_on_orders(
        session, project_id, program_id, start, end
    )
    for holder, order_id, points in found:
        if not points:
            continue
        orders.add(order_id)
        side.total += points
        if holder:
            side.customers.add(holder)
            per_customer[holder] = per_customer.get(holder, 0) + points
    side.orders = len(orders)
    return per_customer


async def _member_cards(
    session: AsyncSession, program_id: str, members: dict[str, Voucher | None], more: set[str]
) -> None:
    """The cards of customers who got points only in reality (one query)."""
    missing = more - set(members)
    for holder in missing:
        members[holder] = None
    found = await cards_of(session, program_id, missing)
    members.update(found)


def tier_distribution(
    tiers: Sequence[LoyaltyTier],
    members: Mapping[str, Voucher | None],
    simulated: Mapping[str, int],
    actual: Mapping[str, int],
) -> list[TierRow]:
    """Affected members per tier: where they are now, and where their balance would put them
    with the draft's points instead of the points actually earned in the range."""
    if not tiers:
        return []
    now: dict[str, int] = {}
    then: dict[str, int] = {}
    for holder, card in members.items():
        balance = (card.loyalty_balance or 0) if card is not None else 0
        current = next(
            (t for t in tiers if card is not None and t.id == card.loyalty_tier_id), None
        )
        moved = balance + simulated.get(holder, 0) - actual.get(holder, 0)
        would = tier_for(max(moved, 0), tiers, points_range)
        was = current.name if current else NO_TIER
        now[was] = now.get(was, 0) + 1
        key = would.name if would else NO_TIER
        then[key] = then.get(key, 0) + 1
    names = [NO_TIER, *(t.name for t in tiers)]
    return [TierRow(n, now.get(n, 0), then.get(n, 0)) for n in names]
