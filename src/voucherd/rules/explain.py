"""The error of a redeemable its validation rules refuse (VOUCHERIFY-RULES.md a.6), with the
explanation voucherd adds: which rules failed and why, in plain words.

`details` keeps Voucherify's sentence and appends the reasons; the extra `violations` list
(ignored by the official SDK's Error model) gives them one by one for a shop to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from voucherd.kit.errors import ApiError
from voucherd.rules.evaluate import Outcome

if TYPE_CHECKING:
    from voucherd.rules.decisions import Assigned

MESSAGES = {
    "customer": "customer does not match validation rules",
    "order": "order does not match validation rules",
    "redemption": "redemption does not match validation rules",
}


def violation(subject: str, failed: Sequence[tuple[Assigned, Outcome]]) -> ApiError:
    """`subject`: what is refused, e.g. "Voucher SPRING-1"."""
    rule, outcome = failed[0]
    family = outcome.family
    ids = ", ".join(r.id for r, _ in failed)
    reasons = "; ".join(f"{r.id} {o.explanation}" for r, o in failed)
    extra: dict[str, Any] = {
        "violations": [
            {
                "validation_rule_id": r.id,
                "rule": f.number,
                "name": f.name,
                "message": f.message or r.message,
                "explanation": f.explanation,
            }
            for r, o in failed
            for f in o.failures
        ]
    }
    custom = outcome.message(rule.message)
    if custom:
        extra["error"] = {"message": custom}
    return ApiError(
        f"{subject} is inapplicable because of violated validation rules: {ids} ({reasons})",
        key=f"{family}_rules_violated",
        message=MESSAGES[family],
        status=400,
        extra=extra,
    )
