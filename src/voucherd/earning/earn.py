"""Earning: an event (a paid order, a custom event) gives points on the matching rules.

`customer.order.paid` is recorded exactly once per order by the orders domain; this module
subscribes to it and runs in the same transaction. Each (rule, order) still earns at most once
whatever the path: ledger rows carry a dedupe key and pending entries a unique key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.customers import service as customers
from voucherd.earning import pending, repository
from voucherd.earning.models import EarningRule
from voucherd.earning.points import EarningFacts, Grant, compute
from voucherd.earning.rules import ORDER_PAID
from voucherd.earning.serializers import rule_reference
from voucherd.earning.service import rule_fields
from voucherd.events.dispatcher import RecordedEvent, subscribe
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.validity import is_live
from voucherd.loyalty import ledger
from voucherd.loyalty import service as loyalty
from voucherd.loyalty.expiry import expires_on
from voucherd.loyalty.models import PendingPoints
from voucherd.rules import decisions as validation_rules
from voucherd.rules.facts import Facts
from voucherd.segments import service as segments
from voucherd.tiers import repository as tiers
from voucherd.tiers.models import LoyaltyTier
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher


@dataclass(frozen=True)
class Trigger:
    """What happened, as earning needs it."""

    event: RecordedEvent
    customer: dict[str, Any]  # SimpleCustomer
    # Per (rule, trigger) once: the order id, or the custom event's id.
    reference: str
    order: dict[str, Any] | None = None
    event_metadata: Mapping[str, Any] = field(default_factory=dict)
    source_id: str | None = None
    # Ledger details naming the cause: {order, event} or {custom_event, event}.
    details: dict[str, Any] = field(default_factory=dict)
    # A custom event naming a loyalty card earns on that card only.
    card: Voucher | None = None


def occurrence_trigger(
    event: RecordedEvent,
    customer: dict[str, Any],
    cause: dict[str, Any],
    card: Voucher | None = None,
) -> Trigger:
    """The trigger of an event that earns once per occurrence (tier and segment events): the
    event's id is the reference; the ledger details name the event and `cause`."""
    details = {"event": {"id": event.id, "type": event.type}, **cause}
    return Trigger(event=event, customer=customer, reference=event.id, details=details, card=card)


def _program_is_live(program: Campaign, now: datetime) -> bool:
    return program.campaign_type == loyalty.PROGRAM and campaigns.is_live(program, now)


async def _card(
    session: AsyncSession,
    ctx: RequestContext,
    program: Campaign,
    trigger: Trigger,
    grants: Sequence[Grant],
) -> Voucher | None:
    """The customer's card in the program; auto_join enrols when a rule gives points."""
    if trigger.card is not None:
        return trigger.card if trigger.card.campaign_id == program.id else None
    customer_id = trigger.customer["id"]
    card = await vouchers.customer_voucher_in_campaign(session, program.id, customer_id)
    if card is not None:
        return card
    # Voucherify: auto_join members join "if any earning rule is fulfilled".
    if not program.auto_join or not any(g.points > 0 for g in grants):
        return None
    customer = await customers.get_by_id(session, ctx, customer_id)
    if customer is None:
        return None
    try:
        # A program that cannot hand out a card (a STATIC one without free codes) must not
        # fail the order being paid: the savepoint drops the attempt, the order goes on.
        async with session.begin_nested():
            return await loyalty.join(session, ctx, program, customer)
    except ApiError:
        return None


async def _tier(session: AsyncSession, card: Voucher) -> LoyaltyTier | None:
    if not card.loyalty_tier_id:
        return None
    tier = await tiers.get(session, card.loyalty_tier_id)
    return tier if tier is not None and tier.campaign_id == card.campaign_id else None


def _tier_ref(tier: LoyaltyTier) -> dict[str, Any]:
    return {"id": tier.id, "name": tier.name}


async def _hold(
    session: AsyncSession,
    ctx: RequestContext,
    program: Campaign,
    card: Voucher,
    rule: EarningRule,
    points: int,
    trigger: Trigger,
    extra: dict[str, Any],
) -> None:
    now = utcnow()
    order = trigger.order or {}
    event = trigger.event
    days = int((rule.pending_points or {}).get("period_value") or 1)
    details: dict[str, Any] = {
        **extra,
        "event": {
            "id": event.id,
            "type": event.type,
            "group_id": event.group_id,
            # Voucherify names the customer as the entity of pending points' events.
            "entity_id": trigger.customer["id"],
            "created_at": event.created_at_iso,
            "category": "EFFECT",
            "event_source": event.event_source,
        },
        "earning_rule": rule_reference(rule),
        "order": {"id": order.get("id"), "source_id": order.get("source_id")},
    }
    entry = PendingPoints(
        id=new_id(Prefix.PENDING_POINTS),
        project_id=ctx.project_id,
        voucher_id=card.id,
        campaign_id=program.id,
        customer_id=trigger.customer["id"],
        order_id=order.get("id"),
        earning_rule_id=rule.id,
        points=points,
        activates_at=ctx.today() + timedelta(days=days),  # a local day
        status=repository.PENDING,
        details=details,
        created_at=now,
    )
    await pending.hold(
        session, ctx, entry, card, program=program, customer=trigger.customer, order=order
    )


async def _credit(
    session: AsyncSession,
    ctx: RequestContext,
    program: Campaign,
    card: Voucher,
    rule: EarningRule,
    points: int,
    trigger: Trigger,
    extra: dict[str, Any],
) -> None:
    rules = rule.expiration_rules or loyalty.program_expiration_rules(program)
    await ledger.credit(
        session,
        ctx,
        card,
        points,
        kind=ledger.ACCRUAL,
        expires_on=expires_on(rules, ctx.today()),
        source_id=trigger.source_id,
        details={**trigger.details, **extra, "earning_rule": rule_reference(rule)},
        dedupe_key=f"earn:{rule.id}:{trigger.reference}",
        operation_type="AUTOMATIC",
    )


async def _earn_in_program(
    session: AsyncSession,
    ctx: RequestContext,
    program: Campaign,
    rules: Sequence[EarningRule],
    trigger: Trigger,
    facts: EarningFacts,
) -> None:
    grants = [compute(rule.loyalty, facts) for rule in rules]
    card = await _card(session, ctx, program, trigger, grants)
    if card is None or not card.active:
        return
    tier = await _tier(session, card)
    for rule, grant in zip(rules, grants, strict=True):
        mapping = (tier.earning_rules or {}).get(rule.id) if tier is not None else None
        points = compute(rule.loyalty, facts, mapping).points if mapping else grant.points
        if points <= 0:
            continue
        extra: dict[str, Any] = {}
        if tier is not None:
            extra["holder_loyalty_tier"] = _tier_ref(tier)
            if mapping:
                extra["loyalty_tier"] = _tier_ref(tier)
        if rule.pending_points and trigger.order is not None:
            await _hold(session, ctx, program, card, rule, points, trigger, extra)
        else:
            await _credit(session, ctx, program, card, rule, points, trigger, extra)


async def _segments_of(
    session: AsyncSession, ctx: RequestContext, customer_id: str | None
) -> frozenset[str]:
    customer = await customers.get_by_id(session, ctx, customer_id) if customer_id else None
    return await segments.customer_segment_ids(session, ctx, customer)


async def earn(
    session: AsyncSession, ctx: RequestContext, rules: Sequence[EarningRule], trigger: Trigger
) -> None:
    """Give the points of every live rule, program by program (oldest rule first)."""
    now = utcnow()
    live = [rule for rule in rules if is_live(rule_fields(rule), now)]
    # An earning rule's validation rule (assigned to it) must pass for the event.
    amount, items = validation_rules.order_facts(trigger.order)
    refused = (
        await validation_rules.failures_for(
            session,
            ctx,
            [rule.id for rule in live],
            Facts(
                now=now,
                amount=amount,
                initial_amount=amount,
                items=items,
                customer_id=trigger.customer.get("id"),
                customer_metadata=trigger.customer.get("metadata") or {},
                order_metadata=(trigger.order or {}).get("metadata") or {},
                custom_event_metadata=trigger.event_metadata,
                api_key_id=ctx.app_id,
                zone=ctx.zone,
            ),
            segments_of_customer=lambda: _segments_of(session, ctx, trigger.customer.get("id")),
        )
        if live
        else set()
    )
    by_program: dict[str, list[EarningRule]] = {}
    for rule in live:
        if rule.id not in refused:
            by_program.setdefault(rule.campaign_id, []).append(rule)
    facts = EarningFacts(
        order=trigger.order,
        customer_metadata=trigger.customer.get("metadata") or {},
        event_metadata=trigger.event_metadata,
        now=now,
    )
    for campaign_id, program_rules in by_program.items():
        try:
            program = await campaigns.get_by_id(session, ctx, campaign_id)
        except NotFound:
            continue
        if _program_is_live(program, now):
            await _earn_in_program(session, ctx, program, program_rules, trigger, facts)


@subscribe("customer.order.paid")
async def earn_on_order_paid(
    session: AsyncSession, ctx: RequestContext, event: RecordedEvent
) -> None:
    order = event.data.get("order") or {}
    customer = event.data.get("customer")
    if not customer or not order.get("id"):
        return
    rules = await repository.active_rules_for_event(session, ctx.project_id, ORDER_PAID)
    if not rules:
        return
    trigger = Trigger(
        event=event,
        customer=customer,
        reference=order["id"],
        order=order,
        source_id=order.get("source_id") or None,
        details={
            "order": {"id": order["id"], "source_id": order.get("source_id")},
            "event": {"id": event.id, "type": event.type},
        },
    )
    await earn(session, ctx, rules, trigger)
