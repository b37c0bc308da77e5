"""Queries of validation rules and their assignments."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.pagination import Sorts
from voucherd.kit.queries import one_of
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
    return [(assignment, rule) for assignment, rule in rows]


# `order` of GET /v1/validation-rules (Voucherify's ParameterOrderListValidationRules).
SORTS: Sorts = {
    "created_at": ValidationRule.created_at,
    # Never-updated rules sort by creation: one place for NULL on both engines.
    "updated_at": func.coalesce(ValidationRule.updated_at, ValidationRule.created_at),
    "name": ValidationRule.name,
}
ASSIGNMENT_SORTS: Sorts = {"created_at": ValidationRuleAssignment.created_at}


def list_query(
    project_id: str, start: datetime | None, end: datetime | None
) -> Select[ValidationRule]:
    stmt = select(ValidationRule).where(ValidationRule.project_id == project_id)
    if start is not None:
        stmt = stmt.where(ValidationRule.created_at >= start)
    if end is not None:
        stmt = stmt.where(ValidationRule.created_at <= end)
    return stmt


async def get(session: AsyncSession, project_id: str, rule_id: str) -> ValidationRule | None:
    result = await session.execute(
        select(ValidationRule).where(
            ValidationRule.project_id == project_id, ValidationRule.id == rule_id
        )
    )
    return result.scalar_one_or_none()


async def get_many(
    session: AsyncSession, project_id: str, rule_ids: Collection[str]
) -> dict[str, ValidationRule]:
    result = await session.execute(
        select(ValidationRule).where(
            ValidationRule.project_id == project_id, ValidationRule.id.in_(sorted(set(rule_ids)))
        )
    )
    return {rule.id: rule for rule in result.scalars()}


async def name_taken(
    session: AsyncSession, project_id: str, name: str, other_than: str | None = None
) -> bool:
    stmt = select(ValidationRule.id).where(
        ValidationRule.project_id == project_id, ValidationRule.name == name
    )
    if other_than is not None:
        stmt = stmt.where(ValidationRule.id != other_than)
    return (await session.execute(stmt.limit(1))).first() is not None


async def assignments_count(session: AsyncSession, rule_ids: Collection[str]) -> dict[str, int]:
    """How many objects each rule is assigned to, in one grouped query."""
    if not rule_ids:
        return {}
    rows = await session.execute(
        select(ValidationRuleAssignment.rule_id, func.count())
        .where(ValidationRuleAssignment.rule_id.in_(sorted(set(rule_ids))))
        .group_by(ValidationRuleAssignment.rule_id)
    )
    return {rule_id: int(count) for rule_id, count in rows}


def assignments_query(
    project_id: str, *, rule_id: str | None = None, related_object_id: str | None = None
) -> Select[ValidationRuleAssignment]:
    stmt = select(ValidationRuleAssignment).where(ValidationRuleAssignment.project_id == project_id)
    if rule_id is not None:
        stmt = stmt.where(ValidationRuleAssignment.rule_id == rule_id)
    if related_object_id is not None:
        stmt = stmt.where(ValidationRuleAssignment.related_object_id == related_object_id)
    return stmt


async def get_assignment(
    session: AsyncSession, project_id: str, rule_id: str, assignment_id: str
) -> ValidationRuleAssignment | None:
    result = await session.execute(
        assignments_query(project_id, rule_id=rule_id).where(
            ValidationRuleAssignment.id == assignment_id
        )
    )
    return result.scalar_one_or_none()


async def find_assignment(
    session: AsyncSession, rule_id: str, related_object_id: str
) -> ValidationRuleAssignment | None:
    result = await session.execute(
        select(ValidationRuleAssignment).where(
            ValidationRuleAssignment.rule_id == rule_id,
            ValidationRuleAssignment.related_object_id == related_object_id,
        )
    )
    return result.scalar_one_or_none()


async def assignments_of(
    session: AsyncSession, project_id: str, related_object_ids: Collection[str]
) -> list[ValidationRuleAssignment]:
    """Assignments to any of these objects, oldest first (embedded lists, earning rules)."""
    if not related_object_ids:
        return []
    result = await session.execute(
        select(ValidationRuleAssignment)
        .where(
            ValidationRuleAssignment.project_id == project_id,
            ValidationRuleAssignment.related_object_id.in_(sorted(set(related_object_ids))),
        )
        .order_by(ValidationRuleAssignment.created_at, ValidationRuleAssignment.id)
    )
    return list(result.scalars())


async def delete_assignments_of_rule(session: AsyncSession, rule_id: str) -> None:
    """Explicitly, not only by the foreign key's cascade: SQLite enforces it only with
    foreign keys on, and the session must not hold rows the database removed."""
    await session.execute(
        delete(ValidationRuleAssignment).where(ValidationRuleAssignment.rule_id == rule_id)
    )


class RuleRow(NamedTuple):
    related_object_id: str
    id: str
    rules: dict[str, Any]
    applicable_to: dict[str, Any]
    error: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime | None


# Built once (building and cache-keying per call costs as much as running it on SQLite), with
# the ids bound as one list (`one_of`): a qualification asks for 80 at once.
_RULE_ROWS = (
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
        ValidationRuleAssignment.project_id == bindparam("project_id"),
        one_of(ValidationRuleAssignment.related_object_id, "ids"),
    )
    .order_by(ValidationRuleAssignment.id)
)


async def rule_rows_for(
    session: AsyncSession, project_id: str, related_object_ids: Collection[str]
) -> list[RuleRow]:
    """`rules_for` for the decision hot path: plain rows of the columns a decision reads,
    without building ORM objects (that cost a redemption more than the query itself)."""
    if not related_object_ids:
        return []
    params = {"project_id": project_id, "ids": sorted(set(related_object_ids))}
    rows = await session.execute(_RULE_ROWS, params)
    return [RuleRow(*row) for row in rows.all()]
