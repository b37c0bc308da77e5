"""Earning when a customer enters a segment (`customer.segment.entered`).

The segments domain records the event when a customer enters an auto-update segment, in the
transaction of the change that moved it in; a rule for that segment gives its points (FIXED
or CUSTOMER_METADATA) once per entry, on the customer's card in the rule's program.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.earning import repository
from voucherd.earning.earn import earn, occurrence_trigger
from voucherd.earning.rules import SEGMENT_ENTERED
from voucherd.events.dispatcher import RecordedEvent, subscribe
from voucherd.kit.context import RequestContext


@subscribe(SEGMENT_ENTERED)
async def earn_on_segment_entered(
    session: AsyncSession, ctx: RequestContext, event: RecordedEvent
) -> None:
    customer = event.data.get("customer")
    segment = event.data.get("segment") or {}
    if not customer or not segment.get("id"):
        return
    rules = [
        rule
        for rule in await repository.active_rules_for_event(session, ctx.project_id, event.type)
        if (rule.segment or {}).get("id") == segment["id"]
    ]
    if not rules:
        return
    # Each entry is its own event: leaving and entering again earns again.
    cause = {"segment": {"id": segment["id"], "name": segment.get("name")}}
    await earn(session, ctx, rules, occurrence_trigger(event, customer, cause))
