"""`POST /v1/events`: a custom event is recorded and earns on the rules named after it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers import service as customers
from voucherd.customers.serializers import simple_customer
from voucherd.earning import repository
from voucherd.earning.earn import Trigger, earn
from voucherd.earning.rules import event_kind
from voucherd.earning.schemas import CustomEventCreate
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import InvalidPayload
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.timefmt import iso
from voucherd.loyalty import service as loyalty
from voucherd.referrals import service as referrals
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.serializers import simple_voucher

CUSTOM_EVENT = "customer.custom_event"


async def _loyalty_card(
    session: AsyncSession, ctx: RequestContext, code: str | None, customer_id: str
) -> Voucher | None:
    if not code:
        return None
    card = await loyalty.get_member(session, ctx, code)
    if card.holder_id not in (None, customer_id):
        raise InvalidPayload(
            f"Loyalty card {code} does not belong to this customer", key="invalid_voucher"
        )
    return card


async def track(
    session: AsyncSession, ctx: RequestContext, body: CustomEventCreate
) -> dict[str, Any]:
    """Record the event, earn on its rules, and return Voucherify's `EventsCreateResponseBody`."""
    if event_kind(body.event) != "custom":
        # order.paid, segment and tier events happen in voucherd itself; posting them would
        # let a client earn points without the order or the tier change.
        raise InvalidPayload(f"{body.event} is not a custom event name")
    customer = await customers.resolve_reference(session, ctx, body.customer)
    if customer is None:
        raise InvalidPayload(
            "customer needs an id, a source_id or its data", key="missing_customer"
        )
    card = await _loyalty_card(
        session, ctx, body.loyalty.code if body.loyalty else None, customer.id
    )
    event_id = new_id(Prefix.EVENT)
    who = simple_customer(customer)
    referral = body.referral.model_dump(exclude_none=True) if body.referral else None
    loyalty_ref = {"code": card.code} if card is not None else None
    custom_event = {
        "id": event_id,
        "object": "event",
        "type": body.event,
        "customer": who,
        "referral": referral or {},
        "loyalty": loyalty_ref or {},
        "metadata": body.metadata or {},
        "created_at": iso(utcnow()),
    }
    loyalty_data = None
    if card is not None and card.campaign_id:
        program = await campaigns.get_by_id(session, ctx, card.campaign_id)
        loyalty_data = {"voucher": simple_voucher(card), "campaign": simple_campaign(program)}
    recorded = await record_event(
        session,
        ctx,
        CUSTOM_EVENT,
        entity_id=customer.id,
        data={
            "event": custom_event,
            "event_schema": {"id": None, "name": body.event},
            "customer": who,
            "referral": None,
            "loyalty": loyalty_data,
        },
    )
    await referrals.on_custom_event(session, ctx, body.event, body.referral, customer, custom_event)
    rules = await repository.active_rules_for_event(session, ctx.project_id, body.event)
    if rules:
        trigger = Trigger(
            event=recorded,
            customer=who,
            reference=event_id,
            event_metadata=body.metadata or {},
            details={
                "custom_event": {"id": event_id, "type": body.event},
                "event": {"id": recorded.id, "type": CUSTOM_EVENT},
            },
            card=card,
        )
        await earn(session, ctx, rules, trigger)
    return {
        "object": "event",
        "type": body.event,
        "customer": who,
        "referral": referral,
        "loyalty": loyalty_ref,
        "metadata": body.metadata or {},
    }
