"""`/v1/metadata-schemas` (list, get by resource: what the connectors read on every sync) and
the Management API's `/management/v1/projects/{projectId}/metadata-schemas` that writes them."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import list_body
from voucherd.kit.responses import JsonResponse
from voucherd.metadata_schemas import service
from voucherd.metadata_schemas.schemas import (
    ManagementMetadataSchemasListOut,
    MetadataSchemaCreate,
    MetadataSchemaOut,
    MetadataSchemasListOut,
    MetadataSchemaUpdate,
)
from voucherd.metadata_schemas.serializers import management_schema_body, schema_body
from voucherd.projects.auth import AppContext, ManagementKey, Session

router = APIRouter(tags=["metadata-schemas"], route_class=TransactionalRoute)

MANAGEMENT = "/management/v1/projects/{project_id}/metadata-schemas"


@router.get("/v1/metadata-schemas", response_model=MetadataSchemasListOut)
async def list_metadata_schemas(ctx: AppContext, session: Session) -> Response:
    # No paging in Voucherify's operation: every schema of the project, in one list.
    rows = await service.list_schemas(session, ctx.project_id)
    return JsonResponse(list_body("schemas", [schema_body(s) for s in rows], len(rows)))


@router.get("/v1/metadata-schemas/{resource}", response_model=MetadataSchemaOut)
async def get_metadata_schema(resource: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(
        schema_body(await service.get_by_resource(session, ctx.project_id, resource))
    )


@router.post(MANAGEMENT, response_model=MetadataSchemaOut)
async def create_metadata_schema(
    project_id: str, body: MetadataSchemaCreate, _key: ManagementKey, session: Session
) -> Response:
    schema = await service.create(session, project_id, body)
    return JsonResponse(management_schema_body(schema))


@router.get(MANAGEMENT, response_model=ManagementMetadataSchemasListOut)
async def list_management_metadata_schemas(
    project_id: str, _key: ManagementKey, session: Session
) -> Response:
    rows = await service.list_schemas(session, project_id, check_project=True)
    return JsonResponse(list_body("data", [management_schema_body(s) for s in rows], len(rows)))


@router.get(MANAGEMENT + "/{schema_id}", response_model=MetadataSchemaOut)
async def get_management_metadata_schema(
    project_id: str, schema_id: str, _key: ManagementKey, session: Session
) -> Response:
    return JsonResponse(management_schema_body(await service.get(session, project_id, schema_id)))


@router.put(MANAGEMENT + "/{schema_id}", response_model=MetadataSchemaOut)
async def update_metadata_schema(
    project_id: str,
    schema_id: str,
    body: MetadataSchemaUpdate,
    _key: ManagementKey,
    session: Session,
) -> Response:
    schema = await service.update(session, project_id, schema_id, body)
    return JsonResponse(management_schema_body(schema))


@router.delete(MANAGEMENT + "/{schema_id}", status_code=204)
async def delete_metadata_schema(
    project_id: str, schema_id: str, _key: ManagementKey, session: Session
) -> Response:
    await service.delete(session, project_id, schema_id)
    return Response(status_code=204)
