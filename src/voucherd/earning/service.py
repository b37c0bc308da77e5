"""Earning rules of a loyalty program: create (in bulk), read, update, enable, delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.campaigns.serializers import simple_campaign
from voucherd.earning import repository
from voucherd.earning.models import EarningRule
from voucherd.earning.rules import check_rule, loyalty_type
from voucherd.earning.schemas import (
    MAX_RULES_PER_CALL,
    EarningRuleCreate,
    EarningRuleFields,
    EarningRuleUpdate,
)
from voucherd.earning.serializers import earning_rule_body
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.timefmt import as_utc
from voucherd.loyalty import service as loyalty
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.rules import service as validation_rules

# Fields of a rule that PUT may set, in the order Voucherify lists them.
_UPDATABLE = (
    "loyalty",
    "source",
    "active",
    "start_date",
    "expiration_date",
    "pending_points",
    "expiration_rules",
    "validity_timeframe",
    "validity_day_of_week",
    "validity_hours",
    "metadata",
    "validation_rule_id",
)


def rule_fields(rule: EarningRule) -> dict[str, Any]:
    """The stored rule as the pure checks (rules, validity) read it."""
    return {
        "event": rule.event,
        "loyalty": rule.loyalty,
        "pending_points": rule.pending_points,
        "expiration_rules": rule.expiration_rules,
        "segment": rule.segment,
        "loyalty_tier": rule.loyalty_tier,
        "custom_event": rule.custom_event,
        "start_date": rule.start_date,
        "expiration_date": rule.expiration_date,
        "validity_timeframe": rule.validity_timeframe,
        "validity_day_of_week": rule.validity_day_of_week,
        "validity_hours": rule.validity_hours,
        "created_at": rule.created_at,
    }


def _stored(body: EarningRuleFields, name: str) -> Any:
    """One request field in its stored form."""
    value = getattr(body, name)
    if value is None:
        return None
    if name == "loyalty":
        loyalty = value.model_dump(exclude_none=True)
        return {**loyalty, "type": loyalty_type(loyalty)}
    if name == "pending_points":
        return {"period_type": "DAY", **value.model_dump(exclude_none=True)}
    if name in ("start_date", "expiration_date"):
        return as_utc(value)
    if name in ("source", "validity_timeframe", "validity_hours", "segment", "custom_event"):
        return value.model_dump(exclude_none=True)
    if name == "loyalty_tier":
        return value.model_dump(exclude_none=True)
    if name == "validity_day_of_week":
        return sorted(set(value))
    return value


def _apply(rule: EarningRule, body: EarningRuleFields, names: Sequence[str]) -> None:
    for name in names:
        value = _stored(body, name)
        if name == "metadata":
            rule.metadata_ = dict(value or {})
        elif name == "source":
            rule.source = dict(value or {})
        elif name == "active":
            rule.active = True if value is None else bool(value)
        elif name != "validation_rule_id":
            setattr(rule, name, value)


def _check(rule: EarningRule, body: EarningRuleFields, position: int | None = None) -> None:
    fields = rule_fields(rule)
    fields["validation_rule_id"] = body.validation_rule_id
    try:
        check_rule(fields)
    except ApiError as exc:
        if position is not None:
            exc.details = f"earning rule [{position}]: {exc.details}"
        raise


async def _assign_rule(
    session: AsyncSession, ctx: RequestContext, rule: EarningRule, body: EarningRuleFields
) -> None:
    """`validation_rule_id` is kept as the rule set's assignment to the earning rule (null
    removes it), in the request's transaction."""
    if "validation_rule_id" in body.model_fields_set:
        wanted = [body.validation_rule_id] if body.validation_rule_id else []
        await validation_rules.assign_inline(session, ctx, wanted, "earning_rule", rule.id)


async def _record(
    session: AsyncSession, ctx: RequestContext, kind: str, rule: EarningRule, program: Campaign
) -> None:
    # Voucherify lists `campaign.earning_rule.*` without a payload schema: the rule and its
    # program, like the other campaign.* events.
    await record_event(
        session,
        ctx,
        f"campaign.earning_rule.{kind}",
        entity_id=rule.id,
        data={
            "earning_rule": earning_rule_body(
                rule, await validation_rules.rule_id_of(session, ctx, rule.id)
            ),
            "campaign": simple_campaign(program),
        },
    )


async def create_rules(
    session: AsyncSession, ctx: RequestContext, campaign_key: str, bodies: list[EarningRuleCreate]
) -> list[EarningRule]:
    program = await loyalty.get_program(session, ctx, campaign_key)
    if not bodies:
        raise InvalidPayload("Give at least one earning rule")
    if len(bodies) > MAX_RULES_PER_CALL:
        raise InvalidPayload(f"At most {MAX_RULES_PER_CALL} earning rules per call")
    now = utcnow()
    created: list[EarningRule] = []
    for position, body in enumerate(bodies):
        await metadata_schemas.check(session, ctx, "earning_rule", body.metadata)
        rule = EarningRule(
            id=new_id(Prefix.EARNING_RULE),
            project_id=ctx.project_id,
            campaign_id=program.id,
            event=body.event,
            active=True,
            source={},
            metadata_={},
            created_at=now,
        )
        _apply(rule, body, _UPDATABLE)
        for name in ("segment", "custom_event", "loyalty_tier"):
            setattr(rule, name, _stored(body, name))
        _check(rule, body, position if len(bodies) > 1 else None)
        session.add(rule)
        created.append(rule)
    await session.flush()
    for rule, body in zip(created, bodies, strict=True):
        await _assign_rule(session, ctx, rule, body)
        await _record(session, ctx, "assigned", rule, program)
    return created


async def get_rule(
    session: AsyncSession, ctx: RequestContext, campaign_key: str, rule_id: str
) -> tuple[EarningRule, Campaign]:
    program = await loyalty.get_program(session, ctx, campaign_key)
    rule = await repository.get_rule(session, ctx.project_id, program.id, rule_id)
    if rule is None:
        raise NotFound("earning_rule", rule_id)
    return rule, program


async def find_rule(session: AsyncSession, ctx: RequestContext, rule_id: str) -> EarningRule | None:
    """An earning rule of the project by id alone (validation rule assignments name it so)."""
    rule = await repository.get_rule_by_id(session, rule_id)
    return rule if rule is not None and rule.project_id == ctx.project_id else None


async def list_rules(
    session: AsyncSession,
    ctx: RequestContext,
    campaign_key: str,
    *,
    order: str | None,
    limit: int,
    page: int,
) -> tuple[Sequence[EarningRule], int]:
    program = await loyalty.get_program(session, ctx, campaign_key)
    return await repository.list_rules(
        session, ctx.project_id, program.id, order=order, limit=limit, offset=(page - 1) * limit
    )


async def update_rule(
    session: AsyncSession,
    ctx: RequestContext,
    campaign_key: str,
    rule_id: str,
    body: EarningRuleUpdate,
) -> EarningRule:
    await metadata_schemas.check(session, ctx, "earning_rule", body.metadata)
    rule, program = await get_rule(session, ctx, campaign_key, rule_id)
    names = [name for name in _UPDATABLE if name in body.model_fields_set]
    _apply(rule, body, names)
    _check(rule, body)
    rule.updated_at = utcnow()
    await session.flush()
    await _assign_rule(session, ctx, rule, body)
    await _record(session, ctx, "updated", rule, program)
    return rule


async def set_active(
    session: AsyncSession, ctx: RequestContext, campaign_key: str, rule_id: str, active: bool
) -> EarningRule:
    rule, program = await get_rule(session, ctx, campaign_key, rule_id)
    rule.active = active
    rule.updated_at = utcnow()
    await session.flush()
    await _record(session, ctx, "enabled" if active else "disabled", rule, program)
    return rule


async def delete_rule(
    session: AsyncSession, ctx: RequestContext, campaign_key: str, rule_id: str
) -> None:
    rule, program = await get_rule(session, ctx, campaign_key, rule_id)
    await _record(session, ctx, "deleted", rule, program)
    await repository.delete_rule(session, rule.id)


async def active_order_paid_rules(
    session: AsyncSession, ctx: RequestContext
) -> Sequence[EarningRule]:
    """The enabled order.paid rules of every program of the project, oldest first."""
    return await repository.active_rules_for_event(session, ctx.project_id, "order.paid")
