"""Validation rules and assignments on the wire (spec `ValidationRule`,
`ValidationRuleAssignment`; events: WH `ValidationRule`, `BusValRuleAssignment`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent
from voucherd.rules.models import ValidationRule, ValidationRuleAssignment

# Voucherify leaves out an unset `error`, `bundle_rules` and `updated_at` (its GET and list
# examples); `assignments_count` is absent from the webhook payloads.
RULE_OMITTED_WHEN_ABSENT = ("error", "bundle_rules", "updated_at", "assignments_count")


def rule_body(rule: ValidationRule, assignments_count: int | None = None) -> dict[str, Any]:
    body = {
        "id": rule.id,
        "name": rule.name,
        "rules": rule.rules,
        "bundle_rules": rule.bundle_rules,
        "error": rule.error,
        "applicable_to": rule.applicable_to,
        "type": rule.type,
        "context_type": rule.context_type,
        "created_at": iso(rule.created_at),
        "updated_at": iso(rule.updated_at),
        "assignments_count": assignments_count,
        "object": "validation_rules",
    }
    return omit_absent(body, RULE_OMITTED_WHEN_ABSENT)


def assignment_body(assignment: ValidationRuleAssignment) -> dict[str, Any]:
    return {
        "id": assignment.id,
        "rule_id": assignment.rule_id,
        "related_object_id": assignment.related_object_id,
        "related_object_type": assignment.related_object_type,
        "created_at": iso(assignment.created_at),
        "object": "validation_rules_assignment",
    }


def embedded_assignments(assignments: Sequence[ValidationRuleAssignment]) -> dict[str, Any]:
    """`validation_rules_assignments` of a campaign or voucher: embedded copies carry
    `validation_status` (the SDK's enum; VALID, as every stored rule parsed)."""
    data = [{**assignment_body(a), "validation_status": "VALID"} for a in assignments]
    return {"object": "list", "data_ref": "data", "data": data, "total": len(data)}
