"""Earning rules and custom events on the wire (Voucherify's `EarningRule`, `CustomEvent`)."""

from __future__ import annotations

from typing import Any

from voucherd.earning.models import EarningRule
from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent

# Voucherify leaves these out of an earning rule without them (kit/wire.py): no example in its
# spec has `expiration_rules` or `pending_points`, and the others appear only when set.
EARNING_RULE_OMITTED_WHEN_ABSENT = (
    "custom_event",
    "segment",
    "loyalty_tier",
    "pending_points",
    "start_date",
    "expiration_date",
    "validity_timeframe",
    "validity_day_of_week",
    "validity_hours",
    "expiration_rules",
)


def earning_rule_body(rule: EarningRule, validation_rule_id: str | None = None) -> dict[str, Any]:
    """`validation_rule_id`: the rule set assigned to it (kept as an assignment, read by the
    caller)."""
    source = rule.source or {}
    body = {
        "id": rule.id,
        "created_at": iso(rule.created_at),
        "updated_at": iso(rule.updated_at),
        "validation_rule_id": validation_rule_id,
        "loyalty": rule.loyalty,
        "event": rule.event,
        "custom_event": rule.custom_event,
        "segment": rule.segment,
        "loyalty_tier": rule.loyalty_tier,
        "pending_points": rule.pending_points,
        "source": {
            "banner": source.get("banner"),
            "object_id": rule.campaign_id,
            "object_type": "campaign",
        },
        "active": rule.active,
        "start_date": iso(rule.start_date),
        "expiration_date": iso(rule.expiration_date),
        "validity_timeframe": rule.validity_timeframe,
        "validity_day_of_week": rule.validity_day_of_week,
        "validity_hours": rule.validity_hours,
        "expiration_rules": rule.expiration_rules,
        "object": "earning_rule",
        "automation_id": None,
        "metadata": rule.metadata_ or {},
    }
    return omit_absent(body, EARNING_RULE_OMITTED_WHEN_ABSENT)


def rule_reference(rule: EarningRule) -> dict[str, Any]:
    """`details.earning_rule` of ledger rows and pending points."""
    return {"id": rule.id, "source": {"banner": (rule.source or {}).get("banner")}}
