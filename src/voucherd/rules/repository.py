"""Queries of validation rules and their assignments."""

from __future__ import annotations

from collections.abc import Collection

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
