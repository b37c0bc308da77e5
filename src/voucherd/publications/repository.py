"""Queries on publications."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.pagination import Sorts
from voucherd.kit.queries import in_project
from voucherd.publications.models import Publication


async def get_by_source_id(
    session: AsyncSession, project_id: str, source_id: str
) -> Publication | None:
    result = await session.execute(
        select(Publication).where(
            Publication.project_id == project_id, Publication.source_id == source_id
        )
    )
    return result.scalar_one_or_none()


async def latest_for(
    session: AsyncSession, project_id: str, customer_id: str, campaign_id: str
) -> Publication | None:
    result = await session.execute(
        select(Publication)
        .where(
            Publication.project_id == project_id,
            Publication.customer_id == customer_id,
            Publication.campaign_id == campaign_id,
        )
        .order_by(Publication.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


# `order` values of GET /v1/publications; a missing tracking id sorts as the empty string.
SORTS: Sorts = {
    "created_at": Publication.created_at,
    "voucher_code": Publication.voucher_code,
    "tracking_id": func.coalesce(Publication.tracking_id, ""),
    "customer_id": Publication.customer_id,
    "channel": Publication.channel,
}


def list_query(
    project_id: str,
    *,
    customer_id: str | None = None,
    campaign_id: str | None = None,
    voucher_code: str | None = None,
) -> Select[Publication]:
    narrowed = customer_id is not None  # a customer's publications: by their index
    stmt = select(Publication).where(
        in_project(Publication.project_id, project_id, narrowed=narrowed)
    )
    if customer_id is not None:
        stmt = stmt.where(Publication.customer_id == customer_id)
    if campaign_id is not None:
        stmt = stmt.where(Publication.campaign_id == campaign_id)
    if voucher_code is not None:
        stmt = stmt.where(Publication.voucher_code == voucher_code)
    return stmt
