"""Queries on metadata schemas."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.metadata_schemas.models import MetadataSchema


async def list_for_project(session: AsyncSession, project_id: str) -> Sequence[MetadataSchema]:
    # Voucherify lists schemas "by related object"; a project holds a dozen or so.
    result = await session.execute(
        select(MetadataSchema)
        .where(MetadataSchema.project_id == project_id)
        .order_by(MetadataSchema.related_object, MetadataSchema.id)
    )
    return result.scalars().all()


async def get(session: AsyncSession, project_id: str, schema_id: str) -> MetadataSchema | None:
    result = await session.execute(
        select(MetadataSchema).where(
            MetadataSchema.project_id == project_id, MetadataSchema.id == schema_id
        )
    )
    return result.scalar_one_or_none()


async def get_by_related_object(
    session: AsyncSession, project_id: str, related_object: str
) -> MetadataSchema | None:
    result = await session.execute(
        select(MetadataSchema).where(
            MetadataSchema.project_id == project_id,
            MetadataSchema.related_object == related_object,
        )
    )
    return result.scalar_one_or_none()
