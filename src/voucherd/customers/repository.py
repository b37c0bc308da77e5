"""Queries on customers."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import BigInteger, Select, bindparam, func, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers.models import Customer
from voucherd.kit.db import loaded as db_loaded
from voucherd.kit.pagination import Sorts
from voucherd.kit.queries import filter_only, in_project, one_by_either


async def get(session: AsyncSession, project_id: str, customer_id: str) -> Customer | None:
    if (found := loaded(session, project_id, customer_id)) is not None:
        return found
    result = await session.execute(_BY_ID, {"project_id": project_id, "customer_id": customer_id})
    return result.scalar_one_or_none()


# Hot-path statements are built once: constructing and cache-keying a statement per call
# costs about as much as executing it on SQLite.
_BY_ID = select(Customer).where(
    Customer.project_id == bindparam("project_id"), Customer.id == bindparam("customer_id")
)
_BY_ID_OR_SOURCE_ID = one_by_either(
    select(Customer), Customer.project_id, Customer.id, Customer.source_id
)
_BY_SOURCE_ID = select(Customer).where(
    Customer.project_id == bindparam("project_id"), Customer.source_id == bindparam("source_id")
)


# FOR NO KEY UPDATE, as `lock` takes it (SQLite renders no FOR clause: one writer anyway).
_BY_SOURCE_ID_LOCKED = _BY_SOURCE_ID.with_for_update(key_share=True)


async def get_by_source_id(
    session: AsyncSession, project_id: str, source_id: str, *, lock: bool = False
) -> Customer | None:
    """`lock`: row-lock the customer found, in the application's lock order (see `lock`)."""
    result = await session.execute(
        _BY_SOURCE_ID_LOCKED if lock else _BY_SOURCE_ID,
        {"project_id": project_id, "source_id": source_id},
    )
    return result.scalar_one_or_none()


def loaded(session: AsyncSession, project_id: str, customer_id: str) -> Customer | None:
    """The customer if this unit of work already loaded it by that id (no SQL)."""
    found = db_loaded(session, Customer, customer_id)
    return found if found is not None and found.project_id == project_id else None


async def get_by_id_or_source_id(
    session: AsyncSession, project_id: str, key: str
) -> Customer | None:
    """Voucherify addresses a customer by either its id or its source_id (an id match wins)."""
    result = await session.execute(_BY_ID_OR_SOURCE_ID, {"project_id": project_id, "key": key})
    return result.scalar_one_or_none()


# `order` values of GET /v1/customers. NULLs become the smallest value on both engines
# (never-updated = created then; no source_id = empty).
SORTS: Sorts = {
    "created_at": Customer.created_at,
    "updated_at": func.coalesce(Customer.updated_at, Customer.created_at),
    "source_id": func.coalesce(Customer.source_id, ""),
}


def list_query(
    project_id: str,
    *,
    email: str | None = None,
    name: str | None = None,
    city: str | None = None,
    created_before: datetime | None = None,
    created_after: datetime | None = None,
    member_ids: Select[str] | Collection[str] | None = None,
) -> Select[Customer]:
    """`member_ids`: only these customers (a subquery of ids, or ids), e.g. a segment's."""
    narrowed = email is not None  # one address: by `ix_customers_email`
    stmt = select(Customer).where(in_project(Customer.project_id, project_id, narrowed=narrowed))
    if member_ids is not None:
        stmt = stmt.where(Customer.id.in_(member_ids))
    if email is not None:
        stmt = stmt.where(Customer.email == email)
    if name is not None:
        stmt = stmt.where(Customer.name == name)
    if city is not None:
        stmt = stmt.where(Customer.address["city"].as_string() == city)
    if created_before is not None:
        stmt = stmt.where(Customer.created_at < created_before)
    if created_after is not None:
        stmt = stmt.where(Customer.created_at > created_after)
    return stmt


_RECORD_PAID_ORDER = (
    update(Customer)
    .where(Customer.id == bindparam("customer_id"))
    .values(
        orders_total_amount=Customer.orders_total_amount + bindparam("amount", type_=BigInteger),
        orders_total_count=Customer.orders_total_count + 1,
        last_order_amount=bindparam("amount", type_=BigInteger),
        last_order_date=bindparam("paid_at", type_=Customer.last_order_date.type),
    )
    .execution_options(synchronize_session=False)
)


async def record_paid_order(
    session: AsyncSession, customer_id: str, amount: int, paid_at: datetime
) -> None:
    # Increment in SQL: two orders of one customer paid at once must both count.
    await session.execute(
        _RECORD_PAID_ORDER, {"customer_id": customer_id, "amount": amount, "paid_at": paid_at}
    )


_BUMP_REDEMPTION_COUNTERS = (
    update(Customer)
    .where(Customer.id == bindparam("customer_id"))
    .values(
        redemptions_succeeded=Customer.redemptions_succeeded
        + bindparam("succeeded", type_=BigInteger),
        redemptions_failed=Customer.redemptions_failed + bindparam("failed", type_=BigInteger),
        redemptions_rolled_back=Customer.redemptions_rolled_back
        + bindparam("rolled_back", type_=BigInteger),
        gift_redeemed_amount=Customer.gift_redeemed_amount
        + bindparam("gift_amount", type_=BigInteger),
        loyalty_redeemed_points=Customer.loyalty_redeemed_points
        + bindparam("loyalty_points", type_=BigInteger),
    )
    .execution_options(synchronize_session=False)
)


async def bump_redemption_counters(
    session: AsyncSession,
    customer_id: str,
    *,
    succeeded: int = 0,
    failed: int = 0,
    rolled_back: int = 0,
    gift_amount: int = 0,
    loyalty_points: int = 0,
) -> None:
    # Atomic increments: concurrent redemptions by one customer must all be counted.
    await session.execute(
        _BUMP_REDEMPTION_COUNTERS,
        {
            "customer_id": customer_id,
            "succeeded": succeeded,
            "failed": failed,
            "rolled_back": rolled_back,
            "gift_amount": gift_amount,
            "loyalty_points": loyalty_points,
        },
    )


# FOR NO KEY UPDATE like `lock`, and the row read afresh over whatever the unit of work holds.
_BY_ID_LOCKED_FRESH = _BY_ID.with_for_update(key_share=True).execution_options(
    populate_existing=True
)


async def get_locked_fresh(
    session: AsyncSession, project_id: str, customer_id: str
) -> Customer | None:
    """The customer row-locked (PostgreSQL) and re-read from the database, so columns moved
    by SQL increments (`record_paid_order`) or by a concurrent committed update are current."""
    result = await session.execute(
        _BY_ID_LOCKED_FRESH, {"project_id": project_id, "customer_id": customer_id}
    )
    return result.scalar_one_or_none()


async def page_after(
    session: AsyncSession, project_id: str, after_id: str | None, limit: int, *, share: bool
) -> list[Customer]:
    """Customers in id order after `after_id`; `share` holds FOR SHARE on them (PostgreSQL)
    until the transaction ends, so none changes before the caller commits what it read."""
    stmt = select(Customer).where(Customer.project_id == project_id)
    if after_id is not None:
        stmt = stmt.where(Customer.id > after_id)
    stmt = stmt.order_by(Customer.id).limit(limit)
    if share:
        stmt = stmt.with_for_update(read=True)
    return list((await session.execute(stmt)).scalars())


# Keys per lookup statement: two IN lists of this size stay far below PostgreSQL's 32,767
# bind parameters and SQLite's limit.
_KEYS_PER_QUERY = 1000


async def ids_by_keys(
    session: AsyncSession, project_id: str, keys: list[str], *, lock: bool = False
) -> dict[str, str]:
    """Customer ids by id or source_id: each key found maps to its customer's id (an id match
    wins over a source_id one, as in `get_by_id_or_source_id`)."""
    by_id: dict[str, str] = {}
    by_source_id: dict[str, str] = {}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start : start + _KEYS_PER_QUERY]
        # Ids from the two indexes, then the rows by primary key: an OR of the two in one
        # WHERE walked every customer of the project on SQLite.
        named = union_all(
            select(Customer.id).where(
                Customer.id.in_(chunk), filter_only(Customer.project_id) == project_id
            ),
            select(Customer.id).where(
                Customer.project_id == project_id, Customer.source_id.in_(chunk)
            ),
        )
        stmt = select(Customer.id, Customer.source_id).where(Customer.id.in_(named))
        if lock:
            # FOR KEY SHARE: none of them can be deleted before the caller's rows that
            # reference them commit (updates still go ahead).
            stmt = stmt.with_for_update(read=True, key_share=True)
        for customer_id, source_id in (await session.execute(stmt)).all():
            by_id[customer_id] = customer_id
            if source_id is not None:
                by_source_id[source_id] = customer_id
    found = {**by_source_id, **by_id}
    return {key: found[key] for key in keys if key in found}


async def get_many(session: AsyncSession, project_id: str, ids: list[str]) -> dict[str, Customer]:
    if not ids:
        return {}
    result = await session.execute(
        select(Customer).where(Customer.project_id == project_id, Customer.id.in_(set(ids)))
    )
    return {c.id: c for c in result.scalars()}


_LOCK = (
    select(Customer.id)
    .where(Customer.id.in_(bindparam("ids", expanding=True)))
    .order_by(Customer.id)
    .with_for_update(key_share=True)
)


async def lock(session: AsyncSession, customer_ids: Iterable[str | None]) -> None:
    """Row-lock customers in id order (PostgreSQL; SQLite has a single writer anyway).

    The lock order of the whole application: a transaction that changes a customer's loyalty
    cards takes the customer first, then cards, then reward stock. A redemption locks its
    customer before the order and the vouchers it takes (redemptions.service.redeem); a
    rollback locks it before the redemptions, the order and the vouchers it gives back
    (redemptions.rollback). Every path agrees, so none can deadlock.
    FOR NO KEY UPDATE (not FOR UPDATE): rows that reference the customer (an order being
    inserted) hold KEY SHARE on it, which FOR UPDATE would wait for while that transaction
    waits for ours.
    """
    ids = sorted({i for i in customer_ids if i})
    if ids and session.get_bind().dialect.name != "sqlite":  # SQLite: FOR UPDATE is a plain read
        await session.execute(_LOCK, {"ids": ids})
