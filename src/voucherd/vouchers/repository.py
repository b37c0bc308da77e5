"""Queries on vouchers. Counters and balances move only through conditional UPDATEs here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from voucherd.campaigns.models import Campaign
from voucherd.categories.models import Category
from voucherd.kit.clock import utcnow
from voucherd.kit.pagination import Sorts
from voucherd.kit.queries import in_project, one_by_either
from voucherd.vouchers.models import Voucher, VoucherTransaction

# SQLite allows 32,766 bound parameters per statement; stay well below.
CODE_LOOKUP_CHUNK = 5_000


# Hot-path statements are built once: constructing and cache-keying a statement per call
# costs about as much as executing it on SQLite.
_BY_CODE_OR_ID = one_by_either(select(Voucher), Voucher.project_id, Voucher.code, Voucher.id)
# A locked read refreshes a voucher the session may already hold: the values read under the
# lock are the ones a relative change is computed from.
# `of=Voucher`: the category is joined in (models.py), and PostgreSQL refuses to lock the
# nullable side of an outer join; only the voucher row needs the lock.
_BY_CODE_OR_ID_FOR_UPDATE = _BY_CODE_OR_ID.with_for_update(
    key_share=True, of=Voucher
).execution_options(populate_existing=True)
# The same with the voucher's campaign in the one round trip (validation and redemption read
# both): the campaign lands in the identity map, where campaign lookups find it.
_WITH_CAMPAIGN = one_by_either(
    select(Voucher, Campaign).outerjoin(Campaign, Campaign.id == Voucher.campaign_id),
    Voucher.project_id,
    Voucher.code,
    Voucher.id,
)


async def get(
    session: AsyncSession, project_id: str, key: str, *, for_update: bool = False
) -> Voucher | None:
    """By code or id (Voucherify accepts both where it says `code`)."""
    stmt = _BY_CODE_OR_ID_FOR_UPDATE if for_update else _BY_CODE_OR_ID
    return (
        await session.execute(stmt, {"project_id": project_id, "key": key})
    ).scalar_one_or_none()


async def get_with_campaign(
    session: AsyncSession, project_id: str, key: str
) -> tuple[Voucher, Campaign | None] | None:
    row = (await session.execute(_WITH_CAMPAIGN, {"project_id": project_id, "key": key})).first()
    return None if row is None else (row[0], row[1])


async def existing_codes(session: AsyncSession, project_id: str, codes: Iterable[str]) -> set[str]:
    codes = list(codes)
    found: set[str] = set()
    for start in range(0, len(codes), CODE_LOOKUP_CHUNK):
        chunk = codes[start : start + CODE_LOOKUP_CHUNK]
        rows = await session.execute(
            select(Voucher.code).where(Voucher.project_id == project_id, Voucher.code.in_(chunk))
        )
        found.update(rows.scalars())
    return found


async def bulk_insert(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    # Core executemany: no ORM identity bookkeeping for 100,000 rows.
    for start in range(0, len(rows), 10_000):
        await session.execute(insert(Voucher), list(rows[start : start + 10_000]))


async def insert_new(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert the rows whose code the project does not hold yet; the codes inserted.

    ON CONFLICT DO NOTHING on the (project_id, code) unique key: the database decides, so a
    code created by a request meanwhile is skipped rather than failing the whole batch, and
    no lookup of existing codes precedes the insert (on a table filling up without fresh
    statistics PostgreSQL planned that lookup as a sequential scan).
    """
    dialect = session.get_bind().dialect.name
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        build(Voucher)
        .on_conflict_do_nothing(index_elements=["project_id", "code"])
        .returning(Voucher.code)
    )
    inserted: set[str] = set()
    for start in range(0, len(rows), 10_000):
        result = await session.execute(stmt, list(rows[start : start + 10_000]))
        inserted.update(result.scalars())
    return inserted


# `order` values of GET /v1/vouchers and /v1/loyalties/{id}/members (Voucherify's enums).
# A never-updated row counts as updated when it was created (Voucherify's updated_at is null
# until the first change); this keeps NULL out of the order and the keyset comparison.
SORTS: Sorts = {
    "created_at": Voucher.created_at,
    "updated_at": func.coalesce(Voucher.updated_at, Voucher.created_at),
    "code": Voucher.code,
}


def list_query(
    project_id: str,
    *,
    campaign_id: str | None = None,
    holder_id: str | None = None,
    category: str | None = None,
) -> Select[Voucher]:
    narrowed = holder_id is not None  # a customer's codes: by `ix_vouchers_holder_id`
    stmt = select(Voucher).where(in_project(Voucher.project_id, project_id, narrowed=narrowed))
    if campaign_id is not None:
        stmt = stmt.where(Voucher.campaign_id == campaign_id)
    if holder_id is not None:
        stmt = stmt.where(Voucher.holder_id == holder_id)
    if category is not None:
        # By the category's current name (the stored name column is not renamed with it).
        named = select(Category.id).where(
            Category.project_id == project_id, Category.name == category
        )
        stmt = stmt.where(Voucher.category_id.in_(named))
    return stmt


def _held_by_sessions(column: Any) -> ColumnElement[int]:
    """What running validation sessions hold of `column` (sessions/holds.py): the row's own
    sums while its latest reservation has not expired, else nothing. Read in the conditional
    UPDATEs below, so a redemption without the session cannot take what a session holds."""
    now = bindparam("now", type_=Voucher.updated_at.type)
    return case((Voucher.locks_expire_last > now, column), else_=literal(0))


_CONSUME_REDEMPTION = (
    update(Voucher)
    .where(
        Voucher.id == bindparam("voucher_id"),
        or_(
            Voucher.redemption_quantity.is_(None),
            Voucher.redeemed_quantity + _held_by_sessions(Voucher.locked_quantity)
            < Voucher.redemption_quantity,
        ),
    )
    .values(
        redeemed_quantity=Voucher.redeemed_quantity + 1,
        updated_at=bindparam("now", type_=Voucher.updated_at.type),
    )
    .returning(Voucher.redeemed_quantity, Voucher.updated_at)
    .execution_options(synchronize_session=False)
)


async def try_consume_redemption(session: AsyncSession, voucher: Voucher) -> bool:
    """Take one use of the voucher; False when its limit is reached.

    The condition and the increment are one statement, so two concurrent redemptions of a
    single-use code cannot both see "0 used": the second waits on the row and re-checks.
    The new count comes back with RETURNING, so the loaded voucher is current without a
    second read.
    """
    row = (
        await session.execute(_CONSUME_REDEMPTION, {"voucher_id": voucher.id, "now": utcnow()})
    ).first()
    if row is None:
        return False
    set_committed_value(voucher, "redeemed_quantity", row[0])
    set_committed_value(voucher, "updated_at", row[1])
    return True


async def release_redemption(session: AsyncSession, voucher: Voucher) -> None:
    row = (
        await session.execute(
            update(Voucher)
            .where(Voucher.id == voucher.id, Voucher.redeemed_quantity > 0)
            .values(redeemed_quantity=Voucher.redeemed_quantity - 1, updated_at=utcnow())
            .returning(Voucher.redeemed_quantity, Voucher.updated_at)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is not None:
        set_committed_value(voucher, "redeemed_quantity", row[0])
        set_committed_value(voucher, "updated_at", row[1])


_SPEND_GIFT = (
    update(Voucher)
    .where(
        Voucher.id == bindparam("voucher_id"),
        Voucher.gift_balance - _held_by_sessions(Voucher.locked_credits) >= bindparam("amount"),
    )
    .values(
        gift_balance=Voucher.gift_balance - bindparam("amount"),
        redeemed_amount=Voucher.redeemed_amount + bindparam("amount"),
    )
    .returning(Voucher.gift_balance, Voucher.redeemed_amount)
    .execution_options(synchronize_session=False)
)


async def try_spend_gift(session: AsyncSession, voucher: Voucher, amount: int) -> bool:
    """Take `amount` cents of gift balance; False when the balance is smaller, counting the
    credits running validation sessions hold as taken.

    Conditional UPDATE: concurrent spends can never take the balance below zero.
    """
    params = {"voucher_id": voucher.id, "amount": amount, "now": utcnow()}
    row = (await session.execute(_SPEND_GIFT, params)).first()
    if row is None:
        return False
    set_committed_value(voucher, "gift_balance", row[0])
    set_committed_value(voucher, "redeemed_amount", row[1])
    return True


async def move_gift(
    session: AsyncSession, voucher: Voucher, *, balance: int, amount: int = 0
) -> bool:
    """Move the gift balance by `balance` and the face value by `amount` (either may be
    negative); False, and nothing changed, when the balance would go below zero.

    Relative and conditional in one statement: a concurrent redemption's spend and this
    change both land (no lost update), and a removal can never take more than is left. The
    loaded voucher gets the new values back (RETURNING), like every counter change here.
    A removal cannot take the credits running validation sessions hold either.
    """
    left = Voucher.gift_balance + balance
    if balance < 0:
        left = left - _held_by_sessions(Voucher.locked_credits)
    now = utcnow()
    row = (
        await session.execute(
            update(Voucher)
            .where(Voucher.id == voucher.id, left >= 0)
            .values(
                gift_balance=Voucher.gift_balance + balance,
                gift_amount=func.coalesce(Voucher.gift_amount, 0) + amount,
                updated_at=now,
            )
            .returning(Voucher.gift_balance, Voucher.gift_amount, Voucher.updated_at)
            .execution_options(synchronize_session=False),
            {"now": now},
        )
    ).first()
    if row is None:
        return False
    set_committed_value(voucher, "gift_balance", row[0])
    set_committed_value(voucher, "gift_amount", row[1])
    set_committed_value(voucher, "updated_at", row[2])
    return True


async def refund_gift(session: AsyncSession, voucher: Voucher, amount: int) -> None:
    row = (
        await session.execute(
            update(Voucher)
            .where(Voucher.id == voucher.id)
            .values(
                gift_balance=Voucher.gift_balance + amount,
                redeemed_amount=Voucher.redeemed_amount - amount,
            )
            .returning(Voucher.gift_balance, Voucher.redeemed_amount)
            .execution_options(synchronize_session=False)
        )
    ).one()
    set_committed_value(voucher, "gift_balance", row[0])
    set_committed_value(voucher, "redeemed_amount", row[1])


async def add_publication(session: AsyncSession, voucher: Voucher, customer_id: str) -> None:
    """Count one more publication of the voucher; its first holder stays.

    Relative UPDATE (publish_count + 1, holder only where none yet), so concurrent
    publications of one code each count (an ORM `+= 1` lost them) and cannot overwrite a
    holder set meanwhile. The new values come back with RETURNING.
    """
    row = (
        await session.execute(
            update(Voucher)
            .where(Voucher.id == voucher.id)
            .values(
                publish_count=Voucher.publish_count + 1,
                holder_id=func.coalesce(Voucher.holder_id, customer_id),
                updated_at=utcnow(),
            )
            .returning(Voucher.publish_count, Voucher.holder_id, Voucher.updated_at)
            .execution_options(synchronize_session=False)
        )
    ).one()
    set_committed_value(voucher, "publish_count", row[0])
    set_committed_value(voucher, "holder_id", row[1])
    set_committed_value(voucher, "updated_at", row[2])


async def claim_free_voucher(
    session: AsyncSession, campaign_id: str, customer_id: str
) -> Voucher | None:
    """Give the oldest unpublished active code of a campaign to a customer.

    Candidates are locked with SKIP LOCKED on PostgreSQL and the claim is conditional on
    `holder_id IS NULL`, so two publications never receive the same code.
    """
    for _ in range(5):
        stmt = (
            select(Voucher.id)
            .where(
                Voucher.campaign_id == campaign_id,
                Voucher.holder_id.is_(None),
                Voucher.active.is_(True),
            )
            .order_by(Voucher.id)
            .limit(1)
            .with_for_update(skip_locked=True, key_share=True)
        )
        voucher_id = (await session.execute(stmt)).scalar_one_or_none()
        if voucher_id is None:
            return None
        result = await session.execute(
            update(Voucher)
            .where(Voucher.id == voucher_id, Voucher.holder_id.is_(None))
            .values(holder_id=customer_id, publish_count=Voucher.publish_count + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            return await session.get(Voucher, voucher_id, populate_existing=True)
    return None


_HOLDERS_VOUCHER = (
    select(Voucher)
    .where(
        Voucher.campaign_id == bindparam("campaign_id"),
        Voucher.holder_id == bindparam("customer_id"),
    )
    .order_by(Voucher.id)
    .limit(1)
)


async def holder_has_campaign_voucher(
    session: AsyncSession, campaign_id: str, customer_id: str
) -> Voucher | None:
    result = await session.execute(
        _HOLDERS_VOUCHER, {"campaign_id": campaign_id, "customer_id": customer_id}
    )
    return result.scalar_one_or_none()


async def transactions(session: AsyncSession, voucher_id: str) -> Sequence[VoucherTransaction]:
    rows = await session.execute(
        select(VoucherTransaction)
        .where(VoucherTransaction.voucher_id == voucher_id)
        .order_by(VoucherTransaction.id.desc())
    )
    return rows.scalars().all()


async def get_many(session: AsyncSession, project_id: str, ids: list[str]) -> dict[str, Voucher]:
    if not ids:
        return {}
    result = await session.execute(
        select(Voucher).where(Voucher.project_id == project_id, Voucher.id.in_(set(ids)))
    )
    return {v.id: v for v in result.scalars()}


async def unlink_category(session: AsyncSession, project_id: str, category_id: str) -> None:
    """The vouchers of a deleted category keep working, in no category."""
    await session.execute(
        update(Voucher)
        .where(Voucher.project_id == project_id, Voucher.category_id == category_id)
        .values(category_id=None, category=None)
        .execution_options(synchronize_session="fetch")
    )
