"""The filter of a customer segment, and who satisfies it: pure, no database.

Keys are the customer's wire names (`CustomerWithSummaryLoyaltyReferrals`): its fields,
`address.<field>`, `metadata.<key>` and the `summary.orders.*` / `summary.redemptions.*`
counters voucherd keeps. Operators are those of Spec `FiltersCondition` that have a meaning
for the key's kind. What voucherd does not evaluate (`loyalty.*`, `loyalty_points.*`,
`loyalty_tier.*`, `system_metadata.*`, `$count*`, `$next_month`) is refused with a 400 naming
it: never stored and silently ignored.

An `auto-update` segment keeps its members in a table, re-evaluated when a customer changes,
so it takes no operator whose verdict changes with time alone (`$is_days_ago`, ...): those
belong to `passive` segments, evaluated when asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from voucherd.kit import conditions
from voucherd.kit.conditions import (
    DATES,
    EQUALITY,
    METADATA_PREFIX,
    ORDER,
    PRESENCE,
    RELATIVE_DATES,
    TEXT,
    Filter,
    Kind,
)
from voucherd.kit.errors import InvalidPayload

SegmentType = Literal["static", "auto-update", "passive"]

_ADDRESS = ("city", "state", "line_1", "line_2", "country", "postal_code")
_REDEMPTION_COUNTS = (
    "total_redeemed",
    "total_failed",
    "total_succeeded",
    "total_rolled_back",
    "total_rollback_failed",
    "total_rollback_succeeded",
)
_ORDER_NUMBERS = ("total_amount", "total_count", "average_amount", "last_order_amount")

FIELDS: Mapping[str, Kind] = {
    "id": Kind.STRING,
    "source_id": Kind.STRING,
    "name": Kind.STRING,
    "description": Kind.STRING,
    "email": Kind.STRING,
    "phone": Kind.STRING,
    "birthdate": Kind.DATE,
    "birthday": Kind.DATE,
    "created_at": Kind.DATE,
    "updated_at": Kind.DATE,
    **{f"address.{name}": Kind.STRING for name in _ADDRESS},
    **{f"summary.redemptions.{name}": Kind.NUMBER for name in _REDEMPTION_COUNTS},
    "summary.redemptions.gift.redeemed_amount": Kind.NUMBER,
    "summary.redemptions.loyalty_card.redeemed_points": Kind.NUMBER,
    **{f"summary.orders.{name}": Kind.NUMBER for name in _ORDER_NUMBERS},
    "summary.orders.last_order_date": Kind.DATE,
}
SUMMARY_PREFIX = "summary."

OPS: Mapping[Kind, tuple[str, ...]] = {
    Kind.STRING: PRESENCE + EQUALITY + TEXT,
    Kind.NUMBER: PRESENCE + EQUALITY + ORDER,
    Kind.DATE: PRESENCE + DATES + RELATIVE_DATES,
    # Metadata holds any JSON: text operators apply to strings (and $contains to arrays),
    # order operators to numbers; a value of another type simply does not match.
    Kind.METADATA: PRESENCE + EQUALITY + TEXT + ORDER,
}

_KIND_OF = conditions.field_kinds(FIELDS, "segments")


@dataclass(frozen=True)
class CustomerFacts:
    """What a segment filter sees of a customer: `fields` by the keys of FIELDS."""

    fields: Mapping[str, Any]
    metadata: Mapping[str, Any]

    def value(self, key: str) -> Any:
        if key.startswith(METADATA_PREFIX):
            return self.metadata.get(key[len(METADATA_PREFIX) :])
        return self.fields.get(key)


def parse(raw: Any, segment_type: SegmentType) -> Filter:
    """The typed filter of a dynamic segment; a 400 naming anything unsupported."""
    parsed = conditions.parse(raw, kind_of=_KIND_OF, ops=OPS)
    if segment_type == "auto-update":
        timed = sorted({f"${c.op}" for c in parsed.conditions if c.op in RELATIVE_DATES})
        if timed:
            raise InvalidPayload(
                f"Unsupported operator {', '.join(timed)} in an auto-update segment: its "
                "members change only when a customer does; use a passive segment"
            )
    return parsed


def reads_summary(filter_: Filter) -> bool:
    """Whether the verdict depends on the summary counters (orders paid, redemptions)."""
    return any(c.field.startswith(SUMMARY_PREFIX) for c in filter_.conditions)


def satisfies(filter_: Filter, facts: CustomerFacts, now: datetime) -> bool:
    return conditions.satisfies(filter_, facts.value, now)
