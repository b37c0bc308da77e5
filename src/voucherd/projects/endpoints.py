"""`/management/v1/projects`: what Management keys may see."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from voucherd.kit.errors import NotFound
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import list_body
from voucherd.kit.responses import JsonResponse
from voucherd.projects import repository
from voucherd.projects.auth import ManagementKey, Session
from voucherd.projects.serializers import project_body

router = APIRouter(
    prefix="/management/v1/projects", tags=["management"], route_class=TransactionalRoute
)


@router.get("")
async def list_projects(_key: ManagementKey, session: Session) -> Response:
    projects = [project_body(p) for p in await repository.list_projects(session)]
    return JsonResponse(list_body("data", projects, len(projects)))


@router.get("/{project_id}")
async def get_project(project_id: str, _key: ManagementKey, session: Session) -> Response:
    project = await repository.get_project(session, project_id)
    if project is None:
        raise NotFound("project", project_id)
    return JsonResponse(project_body(project))
