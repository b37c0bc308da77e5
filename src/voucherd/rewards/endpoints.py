"""HTTP endpoints of the rewards domain.

`/v1/rewards` (the catalogue and its assignments) and the reward paths of the legacy v1
loyalty API: `/v1/loyalties/{campaignId}/rewards`, `…/reward-assignments`, a member's rewards
and reward redemption.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from sqlalchemy import Select
from starlette.responses import Response

from voucherd.kit.errors import InvalidPayload
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, Session
from voucherd.rewards import redeem, repository, service
from voucherd.rewards import rollback as _rollback  # noqa: F401  (subscribes to rollbacks)
from voucherd.rewards.models import Reward, RewardAssignment
from voucherd.rewards.schemas import (
    AssignmentCreate,
    AssignmentUpdate,
    ProgramAssignmentCreate,
    RewardCreate,
    RewardRedeem,
    RewardUpdate,
)
from voucherd.rewards.serializers import (
    assignment_body,
    member_reward_body,
    redemption_response,
    reward_body,
)
from voucherd.rules import service as rules

router = APIRouter(tags=["rewards"], route_class=TransactionalRoute)

AssignmentFilter = Annotated[str | None, Query(max_length=64)]


# -- /v1/rewards ------------------------------------------------------------------------------


@router.get("/v1/rewards")
async def list_rewards(
    ctx: AppContext, session: Session, page: Page, assignment_id: AssignmentFilter = None
) -> Response:
    stmt = repository.rewards_query(ctx.project_id, assignment_id=assignment_id)
    rows, total, _ = await paginate(session, stmt, Reward.id, page)
    return JsonResponse(list_body("data", [reward_body(r) for r in rows], total))


@router.post("/v1/rewards")
async def create_reward(body: RewardCreate, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(reward_body(await service.create_reward(session, ctx, body)))


@router.get("/v1/rewards/{reward_id}")
async def get_reward(reward_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(reward_body(await service.get_reward(session, ctx, reward_id)))


@router.put("/v1/rewards/{reward_id}")
async def update_reward(
    reward_id: str, body: RewardUpdate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(reward_body(await service.update_reward(session, ctx, reward_id, body)))


@router.delete("/v1/rewards/{reward_id}", status_code=204)
async def delete_reward(reward_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete_reward(session, ctx, reward_id)
    return Response(status_code=204)


async def _assignments(session: Session, page: Page, stmt: Select[RewardAssignment]) -> Response:
    rows, total, _ = await paginate(session, stmt, RewardAssignment.id, page)
    return JsonResponse(list_body("data", [assignment_body(a) for a in rows], total))


@router.get("/v1/rewards/{reward_id}/assignments")
async def list_reward_assignments(
    reward_id: str, ctx: AppContext, session: Session, page: Page
) -> Response:
    reward = await service.get_reward(session, ctx, reward_id)
    return await _assignments(
        session, page, repository.assignments_query(ctx.project_id, reward_id=reward.id)
    )


@router.post("/v1/rewards/{reward_id}/assignments")
async def create_reward_assignment(
    reward_id: str, body: AssignmentCreate, ctx: AppContext, session: Session
) -> Response:
    reward = await service.get_reward(session, ctx, reward_id)
    program = await service.program_for_assignment(session, ctx, body.campaign)
    assignment = await service.create_assignment(session, ctx, reward, program, body.parameters)
    await _assign_rules(session, ctx, assignment, body.validation_rules)
    return JsonResponse(assignment_body(assignment))


async def _assign_rules(
    session: Session, ctx: AppContext, assignment: RewardAssignment, rule_ids: list[str] | None
) -> None:
    # `validation_rules` of the body: assignments of those rule sets to this reward
    # assignment, in the request's transaction.
    if rule_ids:
        await rules.assign_inline(session, ctx, rule_ids, "reward_assignment", assignment.id)


@router.get("/v1/rewards/{reward_id}/assignments/{assignment_id}")
async def get_reward_assignment(
    reward_id: str, assignment_id: str, ctx: AppContext, session: Session
) -> Response:
    assignment = await service.get_assignment(session, ctx, assignment_id, reward_id=reward_id)
    return JsonResponse(assignment_body(assignment))


@router.put("/v1/rewards/{reward_id}/assignments/{assignment_id}")
async def update_reward_assignment(
    reward_id: str, assignment_id: str, body: AssignmentUpdate, ctx: AppContext, session: Session
) -> Response:
    assignment = await service.get_assignment(session, ctx, assignment_id, reward_id=reward_id)
    updated = await service.update_assignment(session, ctx, assignment, body.parameters)
    return JsonResponse(assignment_body(updated))


@router.delete("/v1/rewards/{reward_id}/assignments/{assignment_id}", status_code=204)
async def delete_reward_assignment(
    reward_id: str, assignment_id: str, ctx: AppContext, session: Session
) -> Response:
    assignment = await service.get_assignment(session, ctx, assignment_id, reward_id=reward_id)
    await service.delete_assignment(session, assignment)
    return Response(status_code=204)


# -- /v1/loyalties/{campaignId}/rewards and /reward-assignments -------------------------------


@router.get("/v1/loyalties/{campaign_id}/rewards")
async def list_program_rewards(
    campaign_id: str,
    ctx: AppContext,
    session: Session,
    page: Page,
    assignment_id: AssignmentFilter = None,
) -> Response:
    program = await service.program(session, ctx, campaign_id)
    stmt = repository.assignments_query(
        ctx.project_id, campaign_id=program.id, assignment_id=assignment_id
    )
    return await _assignments(session, page, stmt)


@router.post("/v1/loyalties/{campaign_id}/rewards")
async def create_program_rewards(
    campaign_id: str,
    body: Annotated[list[ProgramAssignmentCreate] | ProgramAssignmentCreate, Body()],
    ctx: AppContext,
    session: Session,
) -> Response:
    """The body is an array (a single object is read as one item); the answer is the first
    assignment, as Voucherify's `LoyaltiesRewardsCreateAssignmentResponseBody` is one object."""
    items = body if isinstance(body, list) else [body]
    if not items:
        raise InvalidPayload("Give at least one reward to assign")
    program = await service.program(session, ctx, campaign_id)
    created = []
    for item in items:
        if not item.reward:
            raise InvalidPayload("reward is required")
        reward = await service.get_reward(session, ctx, item.reward)
        made = await service.create_assignment(session, ctx, reward, program, item.parameters)
        await _assign_rules(session, ctx, made, item.validation_rules)
        created.append(made)
    return JsonResponse(assignment_body(created[0]))


@router.get("/v1/loyalties/{campaign_id}/rewards/{assignment_id}")
async def get_program_reward(
    campaign_id: str, assignment_id: str, ctx: AppContext, session: Session
) -> Response:
    program = await service.program(session, ctx, campaign_id)
    assignment = await service.get_assignment(session, ctx, assignment_id, campaign_id=program.id)
    return JsonResponse(assignment_body(assignment))


@router.put("/v1/loyalties/{campaign_id}/rewards/{assignment_id}")
async def update_program_reward(
    campaign_id: str, assignment_id: str, body: AssignmentUpdate, ctx: AppContext, session: Session
) -> Response:
    program = await service.program(session, ctx, campaign_id)
    assignment = await service.get_assignment(session, ctx, assignment_id, campaign_id=program.id)
    updated = await service.update_assignment(session, ctx, assignment, body.parameters)
    return JsonResponse(assignment_body(updated))


@router.delete("/v1/loyalties/{campaign_id}/rewards/{assignment_id}", status_code=204)
async def delete_program_reward(
    campaign_id: str, assignment_id: str, ctx: AppContext, session: Session
) -> Response:
    program = await service.program(session, ctx, campaign_id)
    assignment = await service.get_assignment(session, ctx, assignment_id, campaign_id=program.id)
    await service.delete_assignment(session, assignment)
    return Response(status_code=204)


@router.get("/v1/loyalties/{campaign_id}/reward-assignments")
async def list_program_reward_assignments(
    campaign_id: str,
    ctx: AppContext,
    session: Session,
    page: Page,
    assignment_id: AssignmentFilter = None,
    assignment_id_camel: Annotated[str | None, Query(alias="assignmentId", max_length=64)] = None,
) -> Response:
    program = await service.program(session, ctx, campaign_id)
    stmt = repository.assignments_query(
        ctx.project_id, campaign_id=program.id, assignment_id=assignment_id or assignment_id_camel
    )
    return await _assignments(session, page, stmt)


@router.get("/v1/loyalties/{campaign_id}/reward-assignments/{assignment_id}")
async def get_program_reward_assignment(
    campaign_id: str, assignment_id: str, ctx: AppContext, session: Session
) -> Response:
    program = await service.program(session, ctx, campaign_id)
    assignment = await service.get_assignment(session, ctx, assignment_id, campaign_id=program.id)
    return JsonResponse(assignment_body(assignment))


@router.get("/v1/loyalties/{campaign_id}/reward-assignments/{assignment_id}/reward")
async def get_program_reward_assignment_reward(
    campaign_id: str, assignment_id: str, ctx: AppContext, session: Session
) -> Response:
    program = await service.program(session, ctx, campaign_id)
    assignment = await service.get_assignment(session, ctx, assignment_id, campaign_id=program.id)
    return JsonResponse(reward_body(await service.get_reward(session, ctx, assignment.reward_id)))


# -- members: their rewards and reward redemption ---------------------------------------------


@router.get("/v1/loyalties/members/{member_id}/rewards")
async def list_member_rewards(
    member_id: str, ctx: AppContext, session: Session, affordable_only: bool = False
) -> Response:
    pairs = await service.member_rewards(session, ctx, member_id, affordable_only=affordable_only)
    items = [member_reward_body(reward, assignment) for reward, assignment in pairs]
    return JsonResponse(list_body("data", items, len(items)))


async def _redeem(
    session: Session, ctx: AppContext, member_id: str, body: RewardRedeem, campaign: str | None
) -> Response:
    done = await redeem.redeem(session, ctx, member_id, body, campaign)
    return JsonResponse(redemption_response(done.redemption, customer=done.holder, card=done.card))


@router.post("/v1/loyalties/members/{member_id}/redemption")
async def redeem_reward(
    member_id: str, body: RewardRedeem, ctx: AppContext, session: Session
) -> Response:
    return await _redeem(session, ctx, member_id, body, None)


@router.post("/v1/loyalties/{campaign_id}/members/{member_id}/redemption")
async def redeem_program_reward(
    campaign_id: str, member_id: str, body: RewardRedeem, ctx: AppContext, session: Session
) -> Response:
    return await _redeem(session, ctx, member_id, body, campaign_id)
