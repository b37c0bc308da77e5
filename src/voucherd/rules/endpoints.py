"""`/v1/validation-rules`, their assignments and `/v1/validation-rules-assignments`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.kit.timefmt import as_utc
from voucherd.projects.auth import AppContext, Session
from voucherd.rules import related as _related  # noqa: F401  (registers the finders)
from voucherd.rules import repository, service
from voucherd.rules.models import ValidationRule, ValidationRuleAssignment
from voucherd.rules.schemas import AssignmentCreate, ValidationRuleCreate, ValidationRuleUpdate
from voucherd.rules.serializers import assignment_body, rule_body

router = APIRouter(tags=["validation-rules"], route_class=TransactionalRoute)


async def _one(session: Session, rule: ValidationRule) -> Response:
    count = (await service.counts(session, [rule])).get(rule.id, 0)
    return JsonResponse(rule_body(rule, count))


@router.post("/v1/validation-rules")
async def create_rule(body: ValidationRuleCreate, ctx: AppContext, session: Session) -> Response:
    return await _one(session, await service.create(session, ctx, body))


@router.get("/v1/validation-rules")
async def list_rules(
    ctx: AppContext,
    session: Session,
    page: Page,
    start_date: Annotated[datetime | None, Query()] = None,
    end_date: Annotated[datetime | None, Query()] = None,
) -> Response:
    stmt = repository.list_query(
        ctx.project_id,
        as_utc(start_date) if start_date else None,
        as_utc(end_date) if end_date else None,
    )
    rows, total, _ = await paginate(session, stmt, ValidationRule.id, page, repository.SORTS)
    counts = await service.counts(session, rows)
    data = [rule_body(rule, counts.get(rule.id, 0)) for rule in rows]
    return JsonResponse(list_body("data", data, total))


@router.get("/v1/validation-rules/{rule_id}")
async def get_rule(rule_id: str, ctx: AppContext, session: Session) -> Response:
    return await _one(session, await service.get(session, ctx, rule_id))


@router.put("/v1/validation-rules/{rule_id}")
async def update_rule(
    rule_id: str, body: ValidationRuleUpdate, ctx: AppContext, session: Session
) -> Response:
    return await _one(session, await service.update(session, ctx, rule_id, body))


@router.delete("/v1/validation-rules/{rule_id}", status_code=204)
async def delete_rule(rule_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete(session, ctx, rule_id)
    return Response(status_code=204)


@router.post("/v1/validation-rules/{rule_id}/assignments")
async def create_assignment(
    rule_id: str,
    body: AssignmentCreate,
    ctx: AppContext,
    session: Session,
    force: Annotated[bool, Query()] = False,
) -> Response:
    assignment = await service.assign(
        session, ctx, rule_id, body.related_object_type, body.related_object_id, force=force
    )
    return JsonResponse(assignment_body(assignment))


async def _assignments(session: Session, page: Page, **narrow: Any) -> Response:
    stmt = repository.assignments_query(**narrow)
    rows, total, _ = await paginate(
        session, stmt, ValidationRuleAssignment.id, page, repository.ASSIGNMENT_SORTS
    )
    return JsonResponse(list_body("data", [assignment_body(a) for a in rows], total))


@router.get("/v1/validation-rules/{rule_id}/assignments")
async def list_rule_assignments(
    rule_id: str, ctx: AppContext, session: Session, page: Page
) -> Response:
    # Voucherify: an unknown rule id gives an empty list, not a 404.
    return await _assignments(session, page, project_id=ctx.project_id, rule_id=rule_id)


@router.get("/v1/validation-rules-assignments")
async def list_assignments(
    ctx: AppContext,
    session: Session,
    page: Page,
    related_object_id: Annotated[str | None, Query(max_length=200)] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    return await _assignments(
        session,
        page,
        project_id=ctx.project_id,
        rule_id=rule,
        related_object_id=related_object_id,
    )


@router.delete("/v1/validation-rules/{rule_id}/assignments/{assignment_id}", status_code=204)
async def delete_assignment(
    rule_id: str, assignment_id: str, ctx: AppContext, session: Session
) -> Response:
    await service.unassign(session, ctx, rule_id, assignment_id)
    return Response(status_code=204)
