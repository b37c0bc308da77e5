"""Auto-update segments follow their customers in the transaction that changes them.

Customers, orders and redemptions record events (`customer.updated`, `customer.order.paid`,
...); this module subscribes to them through the in-process dispatcher, re-evaluates the
changed customer's auto-update segments in memory and inserts or deletes its membership rows,
recording `customer.segment.entered` / `.left` for each change, all in the same transaction.
No domain imports segments for this. Passive segments store nothing (evaluated when asked),
static ones never change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.customers.serializers import customer_body
from voucherd.events.dispatcher import RecordedEvent, subscribe
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.conditions import Filter
from voucherd.kit.context import RequestContext
from voucherd.segments import filters, repository
from voucherd.segments.facts import customer_facts
from voucherd.segments.models import Segment
from voucherd.segments.serializers import simple_segment

# Customers read per batch when a new auto-update segment computes its members: bounded
# memory whatever the project's size.
POPULATE_BATCH = 500

# Events after which a customer's own data (fields, address, metadata) may differ.
CUSTOMER_EVENTS = ("customer.created", "customer.updated")
# Events after which a customer's summary counters moved (recorded after the increment).
SUMMARY_EVENTS = (
    "customer.order.paid",
    "customer.redemption.succeeded",
    "redemption.failed",
    "customer.redemption.rollback.succeeded",
    "customer.rewarded",
    "customer.reward_redemptions.rolledback",
)


@dataclass(frozen=True)
class Dynamic:
    """A passive or auto-update segment with its parsed filter."""

    segment: Segment
    filter: Filter


def _memo_key(ctx: RequestContext, segment_type: str) -> str:
    return f"segments:{ctx.project_id}:{segment_type}"


async def loaded_dynamic(
    session: AsyncSession, ctx: RequestContext, segment_type: str
) -> list[Dynamic]:
    """The project's segments of one dynamic type, parsed, read once per unit of work (a
    redemption records several events that each re-evaluate its customer)."""
    key = _memo_key(ctx, segment_type)
    memo: list[Dynamic] | None = session.info.get(key)
    if memo is None:
        rows = await repository.of_type(session, ctx.project_id, segment_type)
        kind: filters.SegmentType = "passive" if segment_type == "passive" else "auto-update"
        memo = [Dynamic(s, filters.parse(s.filter, kind)) for s in rows]
        session.info[key] = memo
    return memo


def forget_loaded(session: AsyncSession, ctx: RequestContext) -> None:
    """Drop the memo after this unit of work created or deleted a segment."""
    for segment_type in repository.DYNAMIC:
        session.info.pop(_memo_key(ctx, segment_type), None)


async def populate(session: AsyncSession, ctx: RequestContext, new: Dynamic) -> None:
    """The initial members of a new auto-update segment: every customer of the project, in
    batches, in this request (so `initial_sync_status` is DONE when it answers).

    Each batch is read FOR SHARE (PostgreSQL): a customer update that commits while this
    runs waits for the segment to commit, then re-evaluates against it, so no customer is
    left with the verdict of its old data. Joining members record no event (Voucherify's
    initial sync); later changes do.
    """
    now = utcnow()
    after: str | None = None
    while True:
        batch = await customers.page_after(session, ctx, after, POPULATE_BATCH, share=True)
        if not batch:
            return
        members = [
            (new.segment.id, c.id)
            for c in batch
            if filters.satisfies(new.filter, customer_facts(c), now)
        ]
        await repository.add_members(session, members, now)
        after = batch[-1].id


async def reevaluate(
    session: AsyncSession, ctx: RequestContext, customer_id: str, *, summary_only: bool
) -> None:
    """Bring the customer's auto-update memberships in line with its current data.

    `summary_only`: only the summary counters changed, so segments that do not read them
    cannot change and the work is skipped when no segment reads them.
    """
    dynamic = await loaded_dynamic(session, ctx, "auto-update")
    if summary_only:
        dynamic = [d for d in dynamic if filters.reads_summary(d.filter)]
    if not dynamic:
        return
    # Customer first (the application's lock order, see customers.repository.lock), and its
    # row read afresh: the summary moved by SQL increments, and a concurrent update may have
    # committed other fields. Two updates of one customer thus evaluate one after the other,
    # each on the row as it now is, and the last leaves the memberships of the final state.
    customer = await customers.get_locked_fresh(session, ctx, customer_id)
    if customer is None:
        return
    now = utcnow()
    facts = customer_facts(customer)
    wanted = {d.segment.id for d in dynamic if filters.satisfies(d.filter, facts, now)}
    considered = {d.segment.id for d in dynamic}
    held = await repository.stored_segment_ids(session, customer.id) & considered
    entered, left = wanted - held, held - wanted
    if not entered and not left:
        return
    if entered:
        # A segment deleted since this unit of work read it is entered by nobody (its
        # deletion would otherwise make the membership INSERT fail on its foreign key).
        entered &= await repository.key_share_existing(session, entered)
    await repository.add_members(session, ((s, customer.id) for s in sorted(entered)), now)
    await repository.remove_memberships(session, customer.id, left)
    by_id = {d.segment.id: d.segment for d in dynamic}
    for segment_id in sorted(left):
        await _record(session, ctx, "customer.segment.left", customer, by_id[segment_id])
    for segment_id in sorted(entered):
        await _record(session, ctx, "customer.segment.entered", customer, by_id[segment_id])


async def _record(
    session: AsyncSession, ctx: RequestContext, event_type: str, customer: Customer, seg: Segment
) -> None:
    # WH `EventCustomerSegmentEnteredData` / `...LeftData`: {customer, segment}; the
    # distribution fields (campaign, voucher, ...) belong to distributions, which voucherd
    # does not run.
    data: dict[str, Any] = {"customer": customer_body(customer), "segment": simple_segment(seg)}
    await record_event(session, ctx, event_type, entity_id=customer.id, data=data)


def _customer_id(event: RecordedEvent) -> str | None:
    customer = event.data.get("customer")
    if isinstance(customer, dict) and isinstance(customer.get("id"), str):
        return customer["id"]  # type: ignore[no-any-return]
    return None


async def _on_customer_change(
    session: AsyncSession, ctx: RequestContext, event: RecordedEvent
) -> None:
    if (customer_id := _customer_id(event)) is not None:
        await reevaluate(session, ctx, customer_id, summary_only=False)


async def _on_summary_change(
    session: AsyncSession, ctx: RequestContext, event: RecordedEvent
) -> None:
    if (customer_id := _customer_id(event)) is not None:
        await reevaluate(session, ctx, customer_id, summary_only=True)


for _event_type in CUSTOMER_EVENTS:
    subscribe(_event_type)(_on_customer_change)
for _event_type in SUMMARY_EVENTS:
    subscribe(_event_type)(_on_summary_change)
