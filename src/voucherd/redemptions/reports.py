"""Aggregates of redemptions for reports (the console's home page)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.redemptions import repository
from voucherd.redemptions.models import Redemption


async def per_period(
    session: AsyncSession, project_id: str, bounds: Sequence[datetime]
) -> list[tuple[int, int]]:
    """(successful redemptions, discount given in cents) in each [bounds[i], bounds[i+1]).

    One statement with a conditional sum per period, reading the project's redemptions of the
    whole span through the (project_id, created_at) index. Stacked parents are not counted
    (their children are) and neither are refusals.
    """
    if len(bounds) < 2:
        return []
    counted = and_(
        Redemption.project_id == project_id,
        Redemption.created_at >= bounds[0],
        Redemption.created_at < bounds[-1],
        Redemption.result == "SUCCESS",
        Redemption.related_object_type != "redemption",
    )
    columns = []
    for start, end in pairwise(bounds):
        inside = and_(Redemption.created_at >= start, Redemption.created_at < end)
        columns.append(func.coalesce(func.sum(case((inside, 1), else_=0)), 0))
        columns.append(func.coalesce(func.sum(case((inside, Redemption.amount), else_=0)), 0))
    row = (await session.execute(select(*columns).where(counted))).one()
    return [(int(row[i]), int(row[i + 1])) for i in range(0, len(row), 2)]


async def latest_for_customer(
    session: AsyncSession, project_id: str, customer_id: str, limit: int = 20
) -> Sequence[Redemption]:
    """A customer's latest redemptions and refusals (stacked parents left out)."""
    stmt = (
        select(Redemption)
        .where(
            Redemption.project_id == project_id,
            Redemption.customer_id == customer_id,
            Redemption.related_object_type != "redemption",
        )
        .order_by(Redemption.id.desc())
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


def campaign_redemptions_query(project_id: str, campaign_id: str) -> Select[Redemption]:
    """A campaign's redemptions and refusals, as `GET /v1/redemptions?campaign=` lists them."""
    return repository.list_query(project_id, campaign_id=campaign_id)


async def discounts_by_customer(
    session: AsyncSession, project_id: str, start: datetime, end: datetime
) -> list[tuple[str | None, int, int]]:
    """(customer, orders, discount in cents) of successful redemptions in [start, end), as
    the home page counts them (stacked parents not counted), gift-card credits left out."""
    rows = await session.execute(
        select(
            Redemption.customer_id,
            func.count(func.distinct(Redemption.order_id)),
            func.coalesce(func.sum(Redemption.amount), 0),
        )
        .where(
            Redemption.project_id == project_id,
            Redemption.created_at >= start,
            Redemption.created_at < end,
            Redemption.result == "SUCCESS",
            Redemption.related_object_type != "redemption",
            Redemption.gift_credits == 0,
        )
        .group_by(Redemption.customer_id)
    )
    return [(c, int(n), int(cents)) for c, n, cents in rows.all()]
