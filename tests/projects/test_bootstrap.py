"""Servers starting together on one empty database create one default project."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from voucherd.kit.db import Database
from voucherd.projects import service
from voucherd.projects.models import Project


async def test_concurrent_bootstraps_create_one_default_project(db: Database) -> None:
    async def start() -> str:
        async with db.transaction() as session:
            result = await service.bootstrap_default_project(
                session,
                name="Default",
                app_id=None,
                app_token=None,
                management_id=None,
                management_token=None,
            )
            return result.project.id

    ids = await asyncio.gather(*(start() for _ in range(6)))
    assert len(set(ids)) == 1
    async with db.transaction(write=False) as session:
        defaults = await session.scalar(
            select(func.count()).select_from(Project).where(Project.is_default.is_(True))
        )
    assert defaults == 1
