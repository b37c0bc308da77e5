"""Queries of validation rules and their assignments."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.rules.models import ValidationRule, ValidationRuleAssignment


async def rules_for(
    session: AsyncSession, project_id: str, related_object_ids: Collection[str]
) -> list[tuple[ValidationRuleAssignment, ValidationRule]]:
    """Every rule assigned to any of these objects (a voucher and its campaign, say), in one
    indexed query: the decision hot path calls this once per request for all redeemables."""
    if not related_object_ids:
        return []
    rows = await session.execute(
        select(ValidationRuleAssignment, ValidationRule)
        .join(ValidationRule, ValidationRule.id == ValidationRuleAssignment.rule_id)
        .where(
            ValidationRuleAssignment.project_id == project_id,
            ValidationRuleAssignment.related_object_id.in_(sorted(set(related_object_ids))),
        )
        .order_by(ValidationRuleAssignment.id)
    )
    return [(assignment, rule) for assignment, rule in rows.all()]


class RuleRow(NamedTuple):
    related_object_id: str
    id: str
    rules: dict[str, Any]
    applicable_to: dict[str, Any]
    error: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime | None


async def rule_rows_for(
    session: AsyncSession, project_id: str, related_object_ids: Collection[str]
) -> list[RuleRow]:
    """`rules_for` for the decision hot path: plain rows of the columns a decision reads,
    without building ORM objects (that cost a redemption more than the query itself)."""
    if not related_object_ids:
        return []
    rows = await session.execute(
        select(
            ValidationRuleAssignment.related_object_id,
            ValidationRule.id,
            ValidationRule.rules,
            ValidationRule.applicable_to,
            ValidationRule.error,
            ValidationRule.created_at,
            ValidationRule.updated_at,
        )
        .join(ValidationRule, ValidationRule.id == ValidationRuleAssignment.rule_id)
        .where(
            ValidationRuleAssignment.project_id == project_id,
            ValidationRuleAssignment.related_object_id.in_(sorted(set(related_object_ids))),
        )
        .order_by(ValidationRuleAssignment.id)
    )
    return [RuleRow(*row) for row in rows.all()]
