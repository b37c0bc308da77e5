"""Queries on campaigns, and the campaign-wide reads of its vouchers behind
`GET /v1/campaigns/{id}/transactions` and `/summary`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.events.models import Event
from voucherd.kit import filters
from voucherd.kit.clock import utcnow
from voucherd.kit.db import loaded
from voucherd.kit.pagination import Sorts
from voucherd.kit.queries import one_by_either
from voucherd.kit.timefmt import iso
from voucherd.publications.models import Publication
from voucherd.vouchers.models import Voucher, VoucherTransaction

# Built once: every redemption and paid order reads a campaign.
_BY_ID_OR_NAME = one_by_either(select(Campaign), Campaign.project_id, Campaign.id, Campaign.name)


async def get(session: AsyncSession, project_id: str, key: str) -> Campaign | None:
    """By id or by name (Voucherify accepts both)."""
    found = loaded(session, Campaign, key)
    if found is not None and found.project_id == project_id:
        return found
    result = await session.execute(_BY_ID_OR_NAME, {"project_id": project_id, "key": key})
    return result.scalar_one_or_none()


async def get_by_name(session: AsyncSession, project_id: str, name: str) -> Campaign | None:
    result = await session.execute(
        select(Campaign).where(Campaign.project_id == project_id, Campaign.name == name)
    )
    return result.scalar_one_or_none()


# `order` values of GET /v1/campaigns and /v1/loyalties; never-updated counts as created then.
SORTS: Sorts = {
    "created_at": Campaign.created_at,
    "updated_at": func.coalesce(Campaign.updated_at, Campaign.created_at),
}


def list_query(project_id: str, *, campaign_type: str | None = None) -> Select[Campaign]:
    stmt = select(Campaign).where(Campaign.project_id == project_id)
    if campaign_type is not None:
        stmt = stmt.where(Campaign.campaign_type == campaign_type)
    return stmt


async def add_to_vouchers_count(session: AsyncSession, campaign_id: str, count: int) -> None:
    # Relative update: concurrent additions to one campaign must all count.
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(vouchers_count=Campaign.vouchers_count + count, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# The reads below cross into the vouchers', publications' and events' tables: they are
# campaign-wide reports over rows those domains own, kept here until those domains offer them.


def _window(column: Any, since: Any, until: Any) -> list[ColumnElement[bool]]:
    """`since` inclusive, `until` exclusive."""
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column < until)
    return conditions


def _count_where(conditions: list[ColumnElement[bool]]) -> ColumnElement[int]:
    if not conditions:
        return func.count()
    return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)


def _campaign_voucher_ids(campaign_id: str) -> Select[str]:
    return select(Voucher.id).where(Voucher.campaign_id == campaign_id)


# The filters Voucherify's spec gives GET /v1/campaigns/{id}/transactions (and the loyalty
# program's transaction list).
TRANSACTION_FILTERS: filters.Fields = {
    "id": (VoucherTransaction.id, filters.Kind.STRING),
    "voucher_id": (VoucherTransaction.voucher_id, filters.Kind.STRING),
}


def transactions_query(
    project_id: str,
    campaign_id: str,
    *,
    where: ColumnElement[bool] | None = None,
) -> Select[VoucherTransaction]:
    # Through the campaign's vouchers: both steps are indexed (vouchers by campaign,
    # transactions by voucher), which a filter on voucher_transactions.campaign_id is not.
    stmt = select(VoucherTransaction).where(
        VoucherTransaction.project_id == project_id,
        VoucherTransaction.voucher_id.in_(_campaign_voucher_ids(campaign_id)),
    )
    return stmt if where is None else stmt.where(where)


async def transaction_totals(
    session: AsyncSession, campaign_id: str, since: datetime | None, until: datetime | None
) -> dict[str, int]:
    """Signed sum of the campaign's balance movements, by transaction type."""
    rows = await session.execute(
        select(VoucherTransaction.type, func.sum(VoucherTransaction.amount))
        .where(
            VoucherTransaction.voucher_id.in_(_campaign_voucher_ids(campaign_id)),
            *_window(VoucherTransaction.created_at, since, until),
        )
        .group_by(VoucherTransaction.type)
    )
    return {kind: int(total or 0) for kind, total in rows.all()}


async def count_live_vouchers(
    session: AsyncSession, campaign_id: str, since: datetime | None, until: datetime | None
) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(Voucher)
        .where(Voucher.campaign_id == campaign_id, *_window(Voucher.created_at, since, until))
    )
    return int(result.scalar_one())


async def count_deleted_vouchers(
    session: AsyncSession,
    project_id: str,
    campaign_id: str,
    since: datetime | None,
    until: datetime | None,
) -> tuple[int, int]:
    """(deleted in the window, deleted ones that were created in the window).

    Deleted vouchers leave only their `voucher.deleted` event, which carries the voucher.
    """
    voucher = Event.data["voucher"]
    # ISO timestamps of one fixed format (kit.timefmt) compare correctly as text.
    created_at = voucher["created_at"].as_string()
    created_in_window = _window(created_at, iso(since), iso(until))
    deleted_in_window = _window(Event.created_at, since, until)
    result = await session.execute(
        select(_count_where(deleted_in_window), _count_where(created_in_window)).where(
            Event.project_id == project_id,
            Event.type == "voucher.deleted",
            voucher["campaign_id"].as_string() == campaign_id,
        )
    )
    deleted, created_count = result.one()
    return int(deleted), int(created_count)


async def count_publications(
    session: AsyncSession, campaign_id: str, since: datetime | None, until: datetime | None
) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(Publication)
        .where(
            Publication.campaign_id == campaign_id,
            *_window(Publication.created_at, since, until),
        )
    )
    return int(result.scalar_one())


async def unlink_category(session: AsyncSession, project_id: str, category_id: str) -> None:
    """The campaigns of a deleted category keep working, in no category."""
    await session.execute(
        update(Campaign)
        .where(Campaign.project_id == project_id, Campaign.category_id == category_id)
        .values(category_id=None, category=None)
        .execution_options(synchronize_session="fetch")
    )


async def names(session: AsyncSession, project_id: str, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = await session.execute(
        select(Campaign.id, Campaign.name).where(
            Campaign.project_id == project_id, Campaign.id.in_(wanted)
        )
    )
    return {str(i): str(n) for i, n in rows.all()}
