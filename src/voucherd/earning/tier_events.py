"""Earning on a member's tier changes (`customer.loyalty.tier.joined|left|upgraded|…`).

The tiers domain records those events in the transaction of the balance change that moved
the member; a rule for the event and the tier (or `__ANY__`) gives its FIXED points once per
event. A credit may move the member again: each move is a new event, and tiers are finite.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.earning import repository
from voucherd.earning.earn import earn, occurrence_trigger
from voucherd.earning.rules import TIER_EVENTS
from voucherd.events.dispatcher import RecordedEvent, subscribe
from voucherd.kit.context import RequestContext
from voucherd.vouchers import service as vouchers

ANY_TIER = "__ANY__"


def _tier_of(event: RecordedEvent) -> dict[str, Any]:
    """The tier the event is about: the one joined, left, prolonged, or moved into."""
    data = event.data
    tier = data.get("loyalty_tier") or data.get("loyalty_tier_to") or {}
    return tier if isinstance(tier, dict) else {}


async def earn_on_tier_event(
    session: AsyncSession, ctx: RequestContext, event: RecordedEvent
) -> None:
    customer = event.data.get("customer")
    campaign = event.data.get("campaign") or {}
    tier = _tier_of(event)
    if not customer or not campaign.get("id") or not tier.get("id"):
        return
    rules = [
        rule
        for rule in await repository.active_rules_for_event(session, ctx.project_id, event.type)
        if rule.campaign_id == campaign["id"]
        and (rule.loyalty_tier or {}).get("id") in (ANY_TIER, tier["id"])
    ]
    if not rules:
        return
    card = await vouchers.customer_voucher_in_campaign(session, campaign["id"], customer["id"])
    if card is None:
        return
    cause = {"loyalty_tier": {"id": tier["id"], "name": tier.get("name")}}
    await earn(session, ctx, rules, occurrence_trigger(event, customer, cause, card))


for _event_type in sorted(TIER_EVENTS):
    subscribe(_event_type)(earn_on_tier_event)
