"""Queries on projects and API keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.db import advisory_xact_lock
from voucherd.projects.models import ApiKey, Project


async def get_project(session: AsyncSession, project_id: str) -> Project | None:
    return await session.get(Project, project_id)


async def get_default_project(session: AsyncSession) -> Project | None:
    result = await session.execute(select(Project).where(Project.is_default.is_(True)).limit(1))
    return result.scalar_one_or_none()


async def list_projects(session: AsyncSession) -> Sequence[Project]:
    result = await session.execute(select(Project).order_by(Project.created_at, Project.id))
    return result.scalars().all()


async def get_active_key(
    session: AsyncSession, kind: str, key_id: str
) -> tuple[ApiKey, str | None] | None:
    """The key and its project's time zone, in one query (management keys have no project)."""
    result = await session.execute(
        select(ApiKey, Project.timezone)
        .outerjoin(Project, Project.id == ApiKey.project_id)
        .where(ApiKey.kind == kind, ApiKey.key_id == key_id, ApiKey.revoked_at.is_(None))
    )
    row = result.first()
    return None if row is None else (row[0], row[1])


async def get_key(session: AsyncSession, key_id: str) -> ApiKey | None:
    result = await session.execute(select(ApiKey).where(ApiKey.key_id == key_id))
    return result.scalar_one_or_none()


async def list_keys(session: AsyncSession, project_id: str | None = None) -> Sequence[ApiKey]:
    stmt = select(ApiKey).order_by(ApiKey.created_at)
    if project_id is not None:
        stmt = stmt.where(ApiKey.project_id == project_id)
    result = await session.execute(stmt)
    return result.scalars().all()


async def lock_bootstrap(session: AsyncSession) -> None:
    """Serialise default-project creation across processes."""
    await advisory_xact_lock(session, "voucherd:default_project")
