"""Customer rules: upsert by id or source_id, updates, deletion, and their events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers import repository
from voucherd.customers.models import Customer
from voucherd.customers.schemas import CustomerCreate, CustomerFields, CustomerUpdate
from voucherd.customers.serializers import customer_body
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import DuplicateFound, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.metadata_schemas import service as metadata_schemas


def _apply_fields(customer: Customer, data: CustomerFields) -> None:
    fields = data.model_fields_set
    for name in ("name", "description", "email", "phone"):
        if name in fields:
            setattr(customer, name, getattr(data, name))
    if "birthdate" in fields or "birthday" in fields:
        customer.birthdate = data.birthdate or data.birthday
    if "address" in fields:
        customer.address = data.address.model_dump(exclude_none=True) if data.address else None
    if "metadata" in fields:
        customer.metadata_ = dict(data.metadata or {})


async def _flush_unique(session: AsyncSession, source_id: str | None) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateFound(
            f"Customer with source_id {source_id} already exists",
            key="duplicate_found",
        ) from exc


async def upsert(
    session: AsyncSession, ctx: RequestContext, data: CustomerCreate
) -> tuple[Customer, bool]:
    """Create, or update the customer with the same id or source_id (Voucherify upsert mode)."""
    existing: Customer | None = None
    if data.id:
        existing = await repository.get(session, ctx.project_id, data.id)
        if existing is None:
            raise NotFound("customer", data.id)
    if existing is None and data.source_id:
        existing = await repository.get_by_source_id(session, ctx.project_id, data.source_id)
    if existing is not None:
        updated = await _update(session, ctx, existing, data)
        return updated, False
    return await _insert(session, ctx, data)


async def _insert(
    session: AsyncSession, ctx: RequestContext, data: CustomerCreate
) -> tuple[Customer, bool]:
    """A new customer; if a concurrent request just created its source_id, that one updated."""
    await metadata_schemas.check(session, ctx, "customer", data.metadata)
    now = utcnow()
    customer = Customer(
        id=new_id(Prefix.CUSTOMER),
        project_id=ctx.project_id,
        source_id=data.source_id,
        metadata_={},
        created_at=now,
    )
    _apply_fields(customer, data)
    try:
        # Added inside the savepoint: begin_nested() flushes pending rows first, and a
        # conflicting INSERT outside the savepoint would abort the whole transaction.
        async with session.begin_nested():
            session.add(customer)
            await session.flush()
    except IntegrityError:
        # A concurrent request created this source_id first: upsert means we update it.
        if customer in session:  # a rolled-back savepoint already dropped it
            session.expunge(customer)
        raced = (
            await repository.get_by_source_id(session, ctx.project_id, data.source_id)
            if data.source_id
            else None
        )
        if raced is None:
            raise
        return await _update(session, ctx, raced, data), False
    await record_event(
        session,
        ctx,
        "customer.created",
        entity_id=customer.id,
        data={"customer": customer_body(customer)},
    )
    return customer, True


async def _update(
    session: AsyncSession, ctx: RequestContext, customer: Customer, data: CustomerFields
) -> Customer:
    await metadata_schemas.check(session, ctx, "customer", data.metadata)
    _apply_fields(customer, data)
    if (
        isinstance(data, CustomerUpdate | CustomerCreate)
        and "source_id" in data.model_fields_set
        and data.source_id is not None
        and data.source_id != customer.source_id
    ):
        other = await repository.get_by_source_id(session, ctx.project_id, data.source_id)
        if other is not None and other.id != customer.id:
            raise DuplicateFound(f"Customer with source_id {data.source_id} already exists")
        customer.source_id = data.source_id
    customer.updated_at = utcnow()
    await _flush_unique(session, customer.source_id)
    await record_event(
        session,
        ctx,
        "customer.updated",
        entity_id=customer.id,
        data={"customer": customer_body(customer)},
    )
    return customer


async def get(session: AsyncSession, ctx: RequestContext, key: str) -> Customer:
    customer = repository.loaded(session, ctx.project_id, key)
    if customer is None:
        customer = await repository.get_by_id_or_source_id(session, ctx.project_id, key)
    if customer is None:
        raise NotFound("customer", key)
    return customer


async def update(
    session: AsyncSession, ctx: RequestContext, key: str, data: CustomerUpdate
) -> Customer:
    return await _update(session, ctx, await get(session, ctx, key), data)


async def delete(session: AsyncSession, ctx: RequestContext, key: str) -> None:
    customer = await get(session, ctx, key)
    body = customer_body(customer)
    await session.delete(customer)
    await session.flush()
    await record_event(
        session, ctx, "customer.deleted", entity_id=customer.id, data={"customer": body}
    )


def _has_data(data: CustomerCreate) -> bool:
    """Whether a reference carries anything to make a customer of (`{"metadata": {}}` does not)."""
    return any(getattr(data, name) not in (None, {}) for name in data.model_fields_set)


async def resolve_reference(
    session: AsyncSession,
    ctx: RequestContext,
    ref: dict[str, Any] | CustomerCreate | None,
    *,
    lock: bool = False,
) -> Customer | None:
    """A customer given inline in another request: by id, else upserted by source_id, else new.

    Voucherify creates the customer when an order or redemption names an unknown source_id.
    A reference with neither id nor source_id but some data (say only an `email`) creates a
    new customer from that data, as `POST /v1/customers` without a source_id does; it is
    never matched by email. Voucherify's keys for a customer are `id` and `source_id` only
    (the spec's `Customer`: "use customer.id, customer.source_id, or both to identify the
    customer"; a source_id "can be a customer ID or email from a CRM"), and emails are not
    unique (two customers may share one), so a match by email would pick one arbitrarily.
    A client that wants one customer per email sends the email as `source_id`. A reference
    with no data at all (`{}`) is no customer: None.
    `lock`: the customer comes back row-locked (see `repository.lock` for the lock order),
    in the read that finds it where there is one, so the lock costs no extra round trip.
    """
    if ref is None:
        return None
    data = ref if isinstance(ref, CustomerCreate) else CustomerCreate.model_validate(ref)
    if data.id and not (data.model_fields_set - {"id", "object"}):
        customer = await get(session, ctx, data.id)
        if lock:
            await repository.lock(session, [customer.id])
        return customer
    if data.id is None and data.source_id is None:
        if not _has_data(data):
            return None
        # No key to look up or to race on: a new row, held by this transaction.
        customer, _ = await _insert(session, ctx, data)
        return customer
    if data.source_id and data.model_fields_set <= {"source_id", "object"}:
        found = await repository.get_by_source_id(
            session, ctx.project_id, data.source_id, lock=lock
        )
        if found is not None:
            return found
        # Just looked: no such customer yet. Inserted (or, if a concurrent request inserted
        # it first, updated): either way its row is now held by this transaction.
        customer, _ = await _insert(session, ctx, data)
        return customer
    customer, _ = await upsert(session, ctx, data)  # written, so held by this transaction
    return customer


async def record_paid_order(
    session: AsyncSession, customer_id: str, amount: int, paid_at: datetime
) -> None:
    await repository.record_paid_order(session, customer_id, amount, paid_at)


async def record_redemption(
    session: AsyncSession,
    customer_id: str,
    *,
    succeeded: int = 0,
    failed: int = 0,
    rolled_back: int = 0,
    gift_amount: int = 0,
    loyalty_points: int = 0,
) -> None:
    await repository.bump_redemption_counters(
        session,
        customer_id,
        succeeded=succeeded,
        failed=failed,
        rolled_back=rolled_back,
        gift_amount=gift_amount,
        loyalty_points=loyalty_points,
    )


async def get_many(
    session: AsyncSession, ctx: RequestContext, ids: list[str]
) -> dict[str, Customer]:
    return await repository.get_many(session, ctx.project_id, ids)


async def get_by_id(
    session: AsyncSession, ctx: RequestContext, customer_id: str
) -> Customer | None:
    return await repository.get(session, ctx.project_id, customer_id)


async def lock(session: AsyncSession, customer_ids: Iterable[str | None]) -> None:
    """Take the customers' row locks first: see `repository.lock` for the lock order."""
    await repository.lock(session, customer_ids)


async def find(session: AsyncSession, ctx: RequestContext, query: str) -> list[Customer]:
    """A lookup as a person types it: an id or source_id, else an email (case as stored)."""
    query = query.strip()
    if not query:
        return []
    found = await repository.get_by_id_or_source_id(session, ctx.project_id, query)
    if found is not None:
        return [found]
    stmt = repository.list_query(ctx.project_id, email=query).order_by(Customer.id).limit(20)
    return list((await session.execute(stmt)).scalars().all())


async def get_locked_fresh(
    session: AsyncSession, ctx: RequestContext, customer_id: str
) -> Customer | None:
    """The customer row-locked and re-read (see `repository.get_locked_fresh`); changes this
    unit of work holds are flushed first, so nothing pending is overwritten."""
    await session.flush()
    return await repository.get_locked_fresh(session, ctx.project_id, customer_id)


async def page_after(
    session: AsyncSession, ctx: RequestContext, after_id: str | None, limit: int, *, share: bool
) -> list[Customer]:
    return await repository.page_after(session, ctx.project_id, after_id, limit, share=share)


async def ids_by_keys(
    session: AsyncSession, ctx: RequestContext, keys: list[str], *, lock: bool = False
) -> dict[str, str]:
    """Customer ids by id or source_id; `lock`: the customers cannot be deleted until the
    transaction ends (see `repository.ids_by_keys`)."""
    return await repository.ids_by_keys(session, ctx.project_id, keys, lock=lock)
