"""Stacking rules on the wire: the Management object and the `stacking_rules` of validations."""

from __future__ import annotations

from typing import Any

from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent
from voucherd.stacking.models import StackingRulesRow
from voucherd.stacking.rules import StackingRules

# The Management object's keys absent from Voucherify's `StackingRules` (what validations
# and qualifications echo): the calculation-mode fields exist only on the Management API.
MANAGEMENT_ONLY = (
    "discount_calculation_mode",
    "initial_amount_mode_categories",
    "discounted_amount_mode_categories",
)

# The default rules have no id and no dates (Voucherify's list shows them without).
DEFAULT_OMITTED_WHEN_ABSENT = ("id", "created_at", "updated_at")


def management_body(rules: StackingRules, row: StackingRulesRow | None) -> dict[str, Any]:
    """`ManagementProjectsStackingRules`: the project's rules, custom (row) or default."""
    body: dict[str, Any] = {"id": row.id if row else None, **rules.as_dict()}
    body["created_at"] = iso(row.created_at) if row else None
    body["updated_at"] = iso(row.updated_at) if row else None
    return omit_absent(body, DEFAULT_OMITTED_WHEN_ABSENT)


def validation_body(rules: StackingRules) -> dict[str, Any]:
    """`StackingRules` as validations and redemptions report it."""
    body = rules.as_dict()
    for key in MANAGEMENT_ONLY:
        del body[key]
    return body
