"""`/management/v1/projects/{projectId}/stacking-rules`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from voucherd.kit.errors import NotFound
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import list_body
from voucherd.kit.responses import JsonResponse
from voucherd.projects import service as projects
from voucherd.projects.auth import ManagementKey, Session
from voucherd.stacking import service
from voucherd.stacking.models import StackingRulesRow
from voucherd.stacking.rules import StackingRules
from voucherd.stacking.schemas import StackingRulesBody
from voucherd.stacking.serializers import management_body

router = APIRouter(
    prefix="/management/v1/projects/{project_id}/stacking-rules",
    tags=["management"],
    route_class=TransactionalRoute,
)


async def _project(session: AsyncSession, project_id: str) -> str:
    if await projects.get_project(session, project_id) is None:
        raise NotFound("project", project_id)
    return project_id


def _body(row: StackingRulesRow) -> dict[str, Any]:
    return management_body(StackingRules.from_stored(row.rules), row)


@router.post("")
async def create_stacking_rules(
    project_id: str, body: StackingRulesBody, _key: ManagementKey, session: Session
) -> Response:
    row = await service.create(session, await _project(session, project_id), body)
    return JsonResponse(_body(row))


@router.get("")
async def list_stacking_rules(project_id: str, _key: ManagementKey, session: Session) -> Response:
    # Always exactly one: the custom rules, or the defaults (which have no id).
    rules, row = await service.current(session, await _project(session, project_id))
    return JsonResponse(list_body("data", [management_body(rules, row)], 1))


@router.get("/{rules_id}")
async def get_stacking_rules(
    project_id: str, rules_id: str, _key: ManagementKey, session: Session
) -> Response:
    row = await service.get(session, await _project(session, project_id), rules_id)
    return JsonResponse(_body(row))


@router.put("/{rules_id}")
async def update_stacking_rules(
    project_id: str, rules_id: str, body: StackingRulesBody, _key: ManagementKey, session: Session
) -> Response:
    row = await service.update(session, await _project(session, project_id), rules_id, body)
    return JsonResponse(_body(row))


@router.delete("/{rules_id}", status_code=204)
async def delete_stacking_rules(
    project_id: str, rules_id: str, _key: ManagementKey, session: Session
) -> Response:
    await service.delete(session, await _project(session, project_id), rules_id)
    return Response(status_code=204)
