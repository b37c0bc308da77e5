"""HTTP endpoints of the earning domain: earning rules and pending points under /v1/loyalties.

Importing `earn`, `segment_events` and `tier_events` subscribes earning to
`customer.order.paid`, `customer.segment.entered` and the tier change events wherever the app
runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from starlette.responses import Response

# Imported for their subscriptions: customer.order.paid, segment entries and tier changes.
from voucherd.earning import (  # noqa: F401
    earn,
    pending,
    repository,
    segment_events,
    service,
    tier_events,
)
from voucherd.earning.models import EarningRule
from voucherd.earning.schemas import EarningRuleCreate, EarningRuleUpdate, PendingPointsAdjust
from voucherd.earning.serializers import earning_rule_body
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.loyalty import service as loyalty
from voucherd.loyalty.models import PendingPoints
from voucherd.loyalty.serializers import pending_balance, pending_points_body, points_balance
from voucherd.projects.auth import AppContext, Session
from voucherd.rules import service as validation_rules

router = APIRouter(prefix="/v1/loyalties", tags=["earning"], route_class=TransactionalRoute)

RuleOrder = Literal["created_at", "-created_at", "updated_at", "-updated_at"]


# -- earning rules ----------------------------------------------------------------------------


async def _bodies(session: Session, ctx: AppContext, rules: Sequence[EarningRule]) -> list[Any]:
    """Earning rules with their `validation_rule_id` (one query for all)."""
    found = await validation_rules.assignments_of(session, ctx, [r.id for r in rules])
    return [
        earning_rule_body(r, found[r.id][0].rule_id if found.get(r.id) else None) for r in rules
    ]


async def _body(session: Session, ctx: AppContext, rule: EarningRule) -> Response:
    return JsonResponse((await _bodies(session, ctx, [rule]))[0])


@router.post("/{campaign_id}/earning-rules")
async def create_earning_rules(
    campaign_id: str,
    body: Annotated[list[EarningRuleCreate], Body()],
    ctx: AppContext,
    session: Session,
) -> Response:
    rules = await service.create_rules(session, ctx, campaign_id, body)
    return JsonResponse(await _bodies(session, ctx, rules))


@router.get("/{campaign_id}/earning-rules")
async def list_earning_rules(
    campaign_id: str,
    ctx: AppContext,
    session: Session,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    order: RuleOrder | None = None,
) -> Response:
    rules, total = await service.list_rules(
        session, ctx, campaign_id, order=order, limit=limit, page=page
    )
    return JsonResponse(list_body("data", await _bodies(session, ctx, rules), total))


@router.get("/{campaign_id}/earning-rules/{rule_id}")
async def get_earning_rule(
    campaign_id: str, rule_id: str, ctx: AppContext, session: Session
) -> Response:
    rule, _program = await service.get_rule(session, ctx, campaign_id, rule_id)
    return await _body(session, ctx, rule)


@router.put("/{campaign_id}/earning-rules/{rule_id}")
async def update_earning_rule(
    campaign_id: str, rule_id: str, body: EarningRuleUpdate, ctx: AppContext, session: Session
) -> Response:
    rule = await service.update_rule(session, ctx, campaign_id, rule_id, body)
    return await _body(session, ctx, rule)


@router.delete("/{campaign_id}/earning-rules/{rule_id}", status_code=204)
async def delete_earning_rule(
    campaign_id: str, rule_id: str, ctx: AppContext, session: Session
) -> Response:
    await service.delete_rule(session, ctx, campaign_id, rule_id)
    return Response(status_code=204)


@router.post("/{campaign_id}/earning-rules/{rule_id}/enable")
async def enable_earning_rule(
    campaign_id: str, rule_id: str, ctx: AppContext, session: Session
) -> Response:
    rule = await service.set_active(session, ctx, campaign_id, rule_id, True)
    return await _body(session, ctx, rule)


@router.post("/{campaign_id}/earning-rules/{rule_id}/disable")
async def disable_earning_rule(
    campaign_id: str, rule_id: str, ctx: AppContext, session: Session
) -> Response:
    rule = await service.set_active(session, ctx, campaign_id, rule_id, False)
    return await _body(session, ctx, rule)


# -- pending points ---------------------------------------------------------------------------


async def _pending_list(
    session: Session,
    ctx: AppContext,
    page: Page,
    *,
    campaign_id: str | None = None,
    voucher_id: str | None = None,
) -> Response:
    stmt = repository.pending_query(ctx.project_id, campaign_id=campaign_id, voucher_id=voucher_id)
    rows, _total, has_more = await paginate(session, stmt, PendingPoints.id, page)
    body = list_body("data", [pending_points_body(e) for e in rows], has_more=has_more)
    body.setdefault("more_starting_after", None)
    return JsonResponse(body)


@router.get("/{campaign_id}/pending-points")
async def list_campaign_pending_points(
    campaign_id: str, ctx: AppContext, session: Session, page: Page
) -> Response:
    program = await loyalty.get_program(session, ctx, campaign_id)
    return await _pending_list(session, ctx, page, campaign_id=program.id)


@router.get("/members/{member_id}/pending-points")
async def list_member_pending_points(
    member_id: str, ctx: AppContext, session: Session, page: Page
) -> Response:
    card = await loyalty.get_member(session, ctx, member_id)
    return await _pending_list(session, ctx, page, voucher_id=card.id)


@router.get("/{campaign_id}/members/{member_id}/pending-points")
async def list_program_member_pending_points(
    campaign_id: str, member_id: str, ctx: AppContext, session: Session, page: Page
) -> Response:
    card = await loyalty.get_member(session, ctx, member_id, campaign_id)
    return await _pending_list(session, ctx, page, voucher_id=card.id)


@router.post("/members/{member_id}/pending-points/{entry_id}/activate")
async def activate_pending_points(
    member_id: str, entry_id: str, ctx: AppContext, session: Session
) -> Response:
    card, entry = await pending.member_entry(session, ctx, member_id, entry_id)
    await pending.activate(session, ctx, entry, card, operation_type="MANUAL")
    return JsonResponse(points_balance(card, entry.points, operation_type="MANUAL"))


@router.post("/members/{member_id}/pending-points/{entry_id}/cancel", status_code=204)
async def cancel_pending_points(
    member_id: str, entry_id: str, ctx: AppContext, session: Session
) -> Response:
    await pending.cancel(session, ctx, member_id, entry_id)
    return Response(status_code=204)


@router.post("/members/{member_id}/pending-points/{entry_id}/balance")
async def adjust_pending_points(
    member_id: str, entry_id: str, body: PendingPointsAdjust, ctx: AppContext, session: Session
) -> Response:
    card = await pending.adjust(session, ctx, member_id, entry_id, body.points)
    return JsonResponse(pending_balance(card, body.points, "MANUAL"))
