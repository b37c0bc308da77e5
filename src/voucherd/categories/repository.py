"""Queries on categories."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.categories.models import Category
from voucherd.kit.db import loaded


async def get(session: AsyncSession, project_id: str, category_id: str) -> Category | None:
    # Campaign and voucher reads join their category, so it is often in the identity map.
    found = loaded(session, Category, category_id)
    if found is not None:
        return found if found.project_id == project_id else None
    result = await session.execute(
        select(Category).where(Category.project_id == project_id, Category.id == category_id)
    )
    return result.scalar_one_or_none()


async def get_by_name(session: AsyncSession, project_id: str, name: str) -> Category | None:
    result = await session.execute(
        select(Category).where(Category.project_id == project_id, Category.name == name)
    )
    return result.scalar_one_or_none()


def list_query(project_id: str) -> Select[Category]:
    return select(Category).where(Category.project_id == project_id)


async def existing_ids(session: AsyncSession, project_id: str, ids: list[str]) -> set[str]:
    result = await session.execute(
        select(Category.id).where(Category.project_id == project_id, Category.id.in_(ids))
    )
    return set(result.scalars())
