"""Pending points (`lopp_…`): held back after an order, then activated, cancelled or adjusted.

An entry and the card's cached pending total move together in one transaction. Writers touch
the entry row first and the card row second (earning inserts the entry, then moves the total;
activation, cancel and adjust update the entry, then the card), so they cannot deadlock.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers.serializers import simple_customer
from voucherd.earning import repository
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, InvalidPayload, NotFound
from voucherd.loyalty import ledger
from voucherd.loyalty import repository as cards
from voucherd.loyalty import service as loyalty
from voucherd.loyalty.events import card_parties
from voucherd.loyalty.expiry import expires_on
from voucherd.loyalty.models import PendingPoints
from voucherd.loyalty.serializers import (
    pending_balance,
    pending_points_body,
    points_balance,
    transaction_body,
)
from voucherd.orders import service as orders
from voucherd.orders.serializers import order_body
from voucherd.vouchers.models import Voucher, VoucherTransaction
from voucherd.vouchers.serializers import simple_voucher


class PendingPointsNotPending(ApiError):
    """Activated or cancelled entries are gone from Voucherify's lists, hence 404."""

    status = 404
    key = "not_found"
    message = "Resource not found"


async def _order(session: AsyncSession, ctx: RequestContext, order_id: str | None) -> Any:
    if order_id is None:
        return None
    try:
        return order_body(await orders.get(session, ctx, order_id))
    except NotFound:
        return None


async def record_pending_event(
    session: AsyncSession,
    ctx: RequestContext,
    action: str,
    card: Voucher,
    data: dict[str, Any],
) -> None:
    """`voucher.loyalty_card.pending_points.<action>` and its customer-scoped twin."""
    await record_event(
        session,
        ctx,
        f"voucher.loyalty_card.pending_points.{action}",
        entity_id=card.id,
        data=data,
    )
    customer = data.get("customer")
    if customer:
        await record_event(
            session,
            ctx,
            f"customer.voucher.loyalty_card.pending_points.{action}",
            entity_id=customer["id"],
            data=data,
        )


async def _event_data(
    session: AsyncSession, ctx: RequestContext, card: Voucher, entry: PendingPoints
) -> dict[str, Any]:
    customer, campaign = await card_parties(session, ctx, card)
    return {
        "customer": simple_customer(customer) if customer else None,
        "campaign": simple_campaign(campaign) if campaign else None,
        "voucher": simple_voucher(card),
        "order": await _order(session, ctx, entry.order_id),
        "pending_points": pending_points_body(entry),
    }


async def hold(
    session: AsyncSession,
    ctx: RequestContext,
    entry: PendingPoints,
    card: Voucher,
    *,
    program: Campaign,
    customer: dict[str, Any],
    order: dict[str, Any],
) -> bool:
    """Store the entry and raise the card's pending total; False if already held."""
    if not await repository.insert_pending_once(session, entry):
        return False
    if await cards.add_to_pending(session, card.id, entry.points) is None:
        raise RuntimeError(f"card {card.id}: pending total cannot grow")
    data = {
        "voucher": simple_voucher(card),
        "voucher_pending_points_balance": pending_balance(card, entry.points, "AUTOMATIC"),
        "campaign": simple_campaign(program),
        "customer": customer,
        "order": order,
        "pending_points": pending_points_body(entry),
    }
    await record_pending_event(session, ctx, "added", card, data)
    return True


async def member_entry(
    session: AsyncSession, ctx: RequestContext, member_id: str, entry_id: str
) -> tuple[Voucher, PendingPoints]:
    card = await loyalty.get_member(session, ctx, member_id)
    entry = await repository.get_pending(session, ctx.project_id, entry_id)
    if entry is None or entry.voucher_id != card.id:
        raise NotFound("pending_points", entry_id)
    return card, entry


def _not_pending(entry: PendingPoints) -> PendingPointsNotPending:
    return PendingPointsNotPending(
        f"Pending points {entry.id} are {entry.status.lower()}, no longer pending",
        resource_id=entry.id,
        resource_type="pending_points",
    )


async def _expiry(
    session: AsyncSession, ctx: RequestContext, entry: PendingPoints, today: date
) -> date | None:
    """Points expire counting from activation, by the rule's rules else the program's."""
    rule = (
        await repository.get_rule_by_id(session, entry.earning_rule_id)
        if entry.earning_rule_id
        else None
    )
    if rule is not None and rule.expiration_rules:
        return expires_on(rule.expiration_rules, today)
    try:
        program = await campaigns.get_by_id(session, ctx, entry.campaign_id)
    except NotFound:
        return None
    return expires_on(loyalty.program_expiration_rules(program), today)


def _transaction_details(entry: PendingPoints) -> dict[str, Any]:
    details = {k: v for k, v in entry.details.items() if k != "event"}
    event = entry.details.get("event") or {}
    if event:
        details["event"] = {"id": event.get("id"), "type": event.get("type")}
    details["pending_points"] = pending_points_body(entry)
    return details


async def activate(
    session: AsyncSession,
    ctx: RequestContext,
    entry: PendingPoints,
    card: Voucher,
    *,
    operation_type: str,
) -> VoucherTransaction | None:
    """PENDING -> ACTIVATED and the points onto the card; raises if no longer pending."""
    now = utcnow()
    # The conditional UPDATE decides the race: of two activations only one moves the row.
    if not await repository.leave_pending(session, entry.id, repository.ACTIVATED, now):
        await session.refresh(entry)
        raise _not_pending(entry)
    await session.refresh(entry)
    if await cards.add_to_pending(session, card.id, -entry.points) is None:
        raise RuntimeError(f"card {card.id}: pending total below its pending entries")
    tx: VoucherTransaction | None = None
    if entry.points > 0:
        tx = await ledger.credit(
            session,
            ctx,
            card,
            entry.points,
            kind=ledger.ACTIVATION,
            expires_on=await _expiry(session, ctx, entry, ctx.today()),
            source_id=(entry.details.get("order") or {}).get("source_id"),
            details=_transaction_details(entry),
            dedupe_key=f"pending:{entry.id}",
            operation_type=operation_type,
        )
    data = await _event_data(session, ctx, card, entry)
    data["balance"] = points_balance(card, entry.points, operation_type=operation_type)
    data["transaction"] = transaction_body(tx) if tx is not None else None
    await record_pending_event(session, ctx, "activated", card, data)
    return tx


async def cancel(session: AsyncSession, ctx: RequestContext, member_id: str, entry_id: str) -> None:
    card, entry = await member_entry(session, ctx, member_id, entry_id)
    if not await repository.leave_pending(session, entry.id, repository.CANCELED, utcnow()):
        await session.refresh(entry)
        raise _not_pending(entry)
    await session.refresh(entry)
    if await cards.add_to_pending(session, card.id, -entry.points) is None:
        raise RuntimeError(f"card {card.id}: pending total below its pending entries")
    data = await _event_data(session, ctx, card, entry)
    data["voucher_pending_points_balance"] = pending_balance(card, -entry.points, "MANUAL")
    await record_pending_event(session, ctx, "canceled", card, data)


async def adjust(
    session: AsyncSession, ctx: RequestContext, member_id: str, entry_id: str, points: int
) -> Voucher:
    """Add to (or take from) a pending entry; the entry never goes below zero."""
    if points == 0:
        raise InvalidPayload("points must not be 0")
    card, entry = await member_entry(session, ctx, member_id, entry_id)
    # Conditional on the entry still pending and holding enough: concurrent adjustments
    # and activations cannot take it below zero or change an activated entry.
    if not await repository.adjust_pending(session, entry.id, points, utcnow()):
        await session.refresh(entry)
        if entry.status != repository.PENDING:
            raise _not_pending(entry)
        raise InvalidPayload(
            f"Pending points {entry.id} hold {entry.points} points, {-points} cannot be removed"
        )
    await session.refresh(entry)
    if await cards.add_to_pending(session, card.id, points) is None:
        raise RuntimeError(f"card {card.id}: pending total below its pending entries")
    data = await _event_data(session, ctx, card, entry)
    data["voucher_pending_points_balance"] = pending_balance(card, points, "MANUAL")
    await record_pending_event(session, ctx, "updated", card, data)
    return card
