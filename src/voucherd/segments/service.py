"""Segment rules: creation (validated, nothing stored on a 400), deletion, and which segments
a customer is in (the contract the rule engine calls)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.db import advisory_xact_lock
from voucherd.kit.errors import InvalidPayload, InvalidQueryParams, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.segments import filters, repository
from voucherd.segments.facts import customer_facts, unknown_customer_facts
from voucherd.segments.filters import CustomerFacts
from voucherd.segments.membership import (
    POPULATE_BATCH,
    Dynamic,
    forget_loaded,
    loaded_dynamic,
    populate,
)
from voucherd.segments.models import Segment
from voucherd.segments.schemas import MAX_DYNAMIC_SEGMENTS, MAX_STATIC_CUSTOMERS, SegmentCreate

# Unknown customers named in a 400, at most: the message stays readable for 20,000 ids.
_NAMED_UNKNOWN = 20


async def get(session: AsyncSession, ctx: RequestContext, segment_id: str) -> Segment:
    found = await repository.get(session, ctx.project_id, segment_id)
    if found is None:
        raise NotFound("segment", segment_id)
    return found


async def create(session: AsyncSession, ctx: RequestContext, body: SegmentCreate) -> Segment:
    kind = body.type or ("static" if body.customers is not None else None)
    if kind is None:
        raise InvalidPayload("type is required: static, auto-update or passive")
    segment = Segment(
        id=new_id(Prefix.SEGMENT),
        project_id=ctx.project_id,
        name=body.name,
        type=kind,
        created_at=utcnow(),
    )
    if kind == "static":
        if body.filter is not None:
            raise InvalidPayload("filter is only for auto-update and passive segments")
        member_ids = await _static_members(session, ctx, body.customers)
        session.add(segment)
        await session.flush()
        await repository.add_members(
            session, ((segment.id, c) for c in member_ids), segment.created_at
        )
        return segment
    if body.customers is not None:
        raise InvalidPayload("customers is only for static segments")
    if body.filter is None:
        raise InvalidPayload(f"A {kind} segment needs a filter")
    parsed = filters.parse(body.filter, kind)  # a 400 naming what is unsupported
    segment.filter = body.filter
    # Serialises creations in a project (PostgreSQL; SQLite has one writer), so two
    # concurrent requests cannot both pass the count at 99 and make 101.
    await advisory_xact_lock(session, f"segments:{ctx.project_id}")
    if await repository.count_dynamic(session, ctx.project_id) >= MAX_DYNAMIC_SEGMENTS:
        raise InvalidPayload(
            f"A project has at most {MAX_DYNAMIC_SEGMENTS} passive and auto-update segments"
        )
    session.add(segment)
    await session.flush()
    forget_loaded(session, ctx)
    if kind == "auto-update":
        await populate(session, ctx, Dynamic(segment, parsed))
    return segment


async def _static_members(
    session: AsyncSession, ctx: RequestContext, keys: list[str] | None
) -> list[str]:
    """Customer ids of a static segment's `customers` (ids or source_ids); a 400 naming the
    ones that are not customers of the project."""
    if not keys:
        raise InvalidPayload("A static segment needs customers")
    if len(keys) > MAX_STATIC_CUSTOMERS:
        raise InvalidPayload(
            f"A static segment holds at most {MAX_STATIC_CUSTOMERS} customers "
            f"({len(keys)} sent): use an auto-update or passive segment"
        )
    wanted = list(dict.fromkeys(keys))
    # Locked against deletion until the membership rows that reference them commit.
    found = await customers.ids_by_keys(session, ctx, wanted, lock=True)
    unknown = [k for k in wanted if k not in found]
    if unknown:
        named = ", ".join(unknown[:_NAMED_UNKNOWN])
        more = f" and {len(unknown) - _NAMED_UNKNOWN} more" if len(unknown) > _NAMED_UNKNOWN else ""
        raise InvalidPayload(f"Unknown customers: {named}{more}")
    return list(dict.fromkeys(found[k] for k in wanted))


async def delete(session: AsyncSession, ctx: RequestContext, segment_id: str) -> None:
    # Its memberships go with it (ON DELETE CASCADE).
    await session.delete(await get(session, ctx, segment_id))
    await session.flush()
    forget_loaded(session, ctx)


def _matching(dynamic: list[Dynamic], facts: CustomerFacts) -> list[Segment]:
    now = utcnow()
    return [d.segment for d in dynamic if filters.satisfies(d.filter, facts, now)]


async def customer_segment_ids(
    session: AsyncSession, ctx: RequestContext, customer: Customer | None
) -> frozenset[str]:
    """Ids of the segments the customer is in: its stored static and auto-update
    memberships (one indexed query) and the passive segments its data satisfies now
    (evaluated in memory; the project's passive filters are read once per unit of work).
    No customer: no segments. Never scans customers."""
    if customer is None:
        return frozenset()
    stored = await repository.stored_segment_ids(session, customer.id)
    passive = await loaded_dynamic(session, ctx, "passive")
    live = _matching(passive, customer_facts(customer)) if passive else []
    return frozenset(stored | {s.id for s in live})


async def existing_segment_ids(
    session: AsyncSession, ctx: RequestContext, ids: Collection[str]
) -> set[str]:
    """Which of `ids` are segments of the project."""
    return await repository.existing_ids(session, ctx.project_id, ids)


async def segments_of_customer(
    session: AsyncSession, ctx: RequestContext, key: str
) -> list[Segment]:
    """`GET /v1/customers/{key}/segments`: a known customer's segments; for a key that is no
    customer, the auto-update and passive segments it would qualify for (Voucherify's rule)."""
    try:
        customer = await customers.get(session, ctx, key)
    except NotFound:
        dynamic = [
            *await loaded_dynamic(session, ctx, "auto-update"),
            *await loaded_dynamic(session, ctx, "passive"),
        ]
        return sorted(_matching(dynamic, unknown_customer_facts(key)), key=lambda s: s.id)
    ids = await customer_segment_ids(session, ctx, customer)
    found = await repository.by_ids(session, ctx.project_id, ids)
    return sorted(found, key=lambda s: s.id)


# Members of a passive segment listed by `GET /v1/customers?segment_id=`, at most: they are
# found by evaluating every customer, and passed back as a list of ids.
MAX_PASSIVE_LISTED = 10_000


async def member_ids(
    session: AsyncSession, ctx: RequestContext, segment_id: str
) -> Select[str] | list[str]:
    """Who `GET /v1/customers?segment_id=` lists: the stored members of a static or
    auto-update segment (a subquery), or the customers a passive one matches now."""
    segment = await get(session, ctx, segment_id)
    if segment.type != "passive":
        return repository.member_ids_query(segment.id)
    passive = next(
        d for d in await loaded_dynamic(session, ctx, "passive") if d.segment.id == segment.id
    )
    now = utcnow()
    found: list[str] = []
    after: str | None = None
    while batch := await customers.page_after(session, ctx, after, POPULATE_BATCH, share=False):
        found += [c.id for c in batch if filters.satisfies(passive.filter, customer_facts(c), now)]
        if len(found) > MAX_PASSIVE_LISTED:
            raise InvalidQueryParams(
                f"Segment {segment.id} is passive and matches more than {MAX_PASSIVE_LISTED} "
                "customers: list them through an auto-update segment"
            )
        after = batch[-1].id
    return found
