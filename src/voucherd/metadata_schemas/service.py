"""Metadata schema rules: one schema per object type, and the check every write of an
object's metadata goes through."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import DuplicateFound, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.metadata_schemas import repository
from voucherd.metadata_schemas.checks import Schema, violations
from voucherd.metadata_schemas.models import MetadataSchema
from voucherd.metadata_schemas.schemas import MetadataSchemaCreate, MetadataSchemaUpdate
from voucherd.projects import service as projects

# session.info key: {project id: {related_object: Schema}}, loaded once per unit of work.
_CACHE_KEY = "metadata_schemas"


async def _require_project(session: AsyncSession, project_id: str) -> None:
    if await projects.get_project(session, project_id) is None:
        raise NotFound("project", project_id)


async def list_schemas(
    session: AsyncSession, project_id: str, *, check_project: bool = False
) -> Sequence[MetadataSchema]:
    if check_project:  # Management keys name any project; App keys are bound to theirs.
        await _require_project(session, project_id)
    return await repository.list_for_project(session, project_id)


async def get_by_resource(session: AsyncSession, project_id: str, resource: str) -> MetadataSchema:
    schema = await repository.get_by_related_object(session, project_id, resource)
    if schema is None:
        raise NotFound("metadata_schema", resource)
    return schema


async def get(session: AsyncSession, project_id: str, schema_id: str) -> MetadataSchema:
    await _require_project(session, project_id)
    schema = await repository.get(session, project_id, schema_id)
    if schema is None:
        raise NotFound("metadata_schema", schema_id)
    return schema


def _forget(session: AsyncSession, project_id: str) -> None:
    # A schema written in this unit of work applies to the writes after it in the same one.
    session.info.get(_CACHE_KEY, {}).pop(project_id, None)


async def create(
    session: AsyncSession, project_id: str, data: MetadataSchemaCreate
) -> MetadataSchema:
    await _require_project(session, project_id)
    duplicate = DuplicateFound(
        f"Metadata schema for {data.related_object} already exists",
        resource_type="metadata_schema",
    )
    if await repository.get_by_related_object(session, project_id, data.related_object):
        raise duplicate
    schema = MetadataSchema(
        id=new_id(Prefix.METADATA_SCHEMA),
        project_id=project_id,
        related_object=data.related_object,
        properties={key: d.stored() for key, d in data.properties.items()},
        allow_defined_only=bool(data.allow_defined_only),
        created_at=utcnow(),
    )
    try:
        # A concurrent create for the same object type fails alone (the unique constraint
        # settles the race), not the request's whole transaction.
        async with session.begin_nested():
            session.add(schema)
            await session.flush()
    except IntegrityError as exc:
        raise duplicate from exc
    _forget(session, project_id)
    return schema


async def update(
    session: AsyncSession, project_id: str, schema_id: str, data: MetadataSchemaUpdate
) -> MetadataSchema:
    """Voucherify's PUT: the definitions sent replace theirs whole, the others stay; a
    definition's type cannot change."""
    schema = await get(session, project_id, schema_id)
    properties = dict(schema.properties)
    for key, definition in (data.properties or {}).items():
        before = properties.get(key)
        if before is not None and before["type"] != definition.type:
            raise InvalidPayload(
                f"properties.{key}.type cannot change ({before['type']} -> {definition.type})"
            )
        properties[key] = definition.stored()
    schema.properties = properties
    if data.allow_defined_only is not None:
        schema.allow_defined_only = data.allow_defined_only
    schema.updated_at = utcnow()
    await session.flush()
    _forget(session, project_id)
    return schema


async def delete(session: AsyncSession, project_id: str, schema_id: str) -> None:
    schema = await get(session, project_id, schema_id)
    await session.delete(schema)
    await session.flush()
    _forget(session, project_id)


async def _schemas_of(session: AsyncSession, project_id: str) -> Mapping[str, Schema]:
    # One indexed query per unit of work and project, however many objects the request
    # writes (an order and its items, a redemption and its order).
    cache: dict[str, dict[str, Schema]] = session.info.setdefault(_CACHE_KEY, {})
    found = cache.get(project_id)
    if found is None:
        found = cache[project_id] = {
            row.related_object: Schema(row.related_object, row.properties, row.allow_defined_only)
            for row in await repository.list_for_project(session, project_id)
        }
    return found


async def check(
    session: AsyncSession,
    ctx: RequestContext | str,
    related_object: str,
    metadata: Mapping[str, Any] | None,
    where: str = "metadata",
) -> None:
    """Refuses (400 naming each key, as `where.<key>`) metadata that breaks the project's
    schema for `related_object`.

    `None` is a write that sends no metadata: nothing is checked, so objects created inline
    (the customer, products and order a redemption names) never fail on a schema their
    request did not touch. Metadata that is sent is checked whole, required keys included."""
    if metadata is None:
        return
    project_id = ctx if isinstance(ctx, str) else ctx.project_id
    schemas = await _schemas_of(session, project_id)
    schema = schemas.get(related_object)
    if schema is None:
        return
    found = violations(schema, metadata, schemas.get, prefix=where)
    if found:
        raise InvalidPayload(
            f"Metadata does not match the {related_object} metadata schema: "
            + "; ".join(str(v) for v in found)
        )
