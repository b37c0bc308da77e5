"""`/management/v1/projects`: what Management keys may see."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from voucherd.kit.errors import NotFound
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import list_body
from voucherd.kit.responses import JsonResponse
from voucherd.projects import repository, service
from voucherd.projects.auth import ManagementKey, Session, clear_auth_cache
from voucherd.projects.schemas import ProjectUpdate
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


@router.put("/{project_id}")
async def update_project(
    project_id: str, body: ProjectUpdate, _key: ManagementKey, session: Session
) -> Response:
    project = await repository.get_project(session, project_id)
    if project is None:
        raise NotFound("project", project_id)
    await service.update_project(session, project, body)
    # Keys remember their project's zone briefly (auth.AUTH_CACHE_SECONDS); this process
    # forgets at once so the caller's next request already counts days in the new zone.
    clear_auth_cache()
    return JsonResponse(project_body(project))
