"""Queries on product collections (their members are read through the products service)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.pagination import Sorts
from voucherd.product_collections.models import ProductCollection

# `order` values of GET /v1/product-collections (Voucherify's shared enum): a collection has
# no update, code, campaign or category, so under those every row ties and id decides.
SORTS: Sorts = {
    "created_at": ProductCollection.created_at,
    "updated_at": None,
    "type": ProductCollection.type,
    "code": None,
    "campaign": None,
    "category": None,
}


def list_query(project_id: str) -> Select[ProductCollection]:
    return select(ProductCollection).where(ProductCollection.project_id == project_id)


async def get(session: AsyncSession, project_id: str, key: str) -> ProductCollection | None:
    result = await session.execute(
        select(ProductCollection).where(
            ProductCollection.project_id == project_id, ProductCollection.id == key
        )
    )
    return result.scalar_one_or_none()


async def get_by_name(
    session: AsyncSession, project_id: str, name: str
) -> ProductCollection | None:
    result = await session.execute(
        select(ProductCollection).where(
            ProductCollection.project_id == project_id, ProductCollection.name == name
        )
    )
    return result.scalar_one_or_none()


async def existing_ids(session: AsyncSession, project_id: str, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    result = await session.execute(
        select(ProductCollection.id).where(
            ProductCollection.project_id == project_id, ProductCollection.id.in_(wanted)
        )
    )
    return set(result.scalars())


async def get_many(
    session: AsyncSession, project_id: str, ids: Collection[str]
) -> list[ProductCollection]:
    """The collections validation rules name, in one query (unknown ids are left out)."""
    if not ids:
        return []
    result = await session.execute(
        list_query(project_id).where(ProductCollection.id.in_(sorted(ids)))
    )
    return list(result.scalars())
