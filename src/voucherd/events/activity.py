"""Customer and loyalty-member activity (`GET /v1/customers/{id}/activity`,
`GET /v1/loyalties/[{campaign}/]members/{member}/activity`), read from the event log.

Activity is not a second log: it is the recorded events that name the customer (or the card),
under the names Voucherify gives activities. Most of our events already carry those names
(`customer.order.paid`, `customer.rewarded`, …). A few are recorded only under their webhook
name (`publication.succeeded`, `redemption.failed`, …) and are listed under the `customer.`
name Voucherify gives their activity. Webhook events that have a `customer.` twin in the log
(`redemption.succeeded` beside `customer.redemption.succeeded`) are left out, or each such
moment would be listed twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.events.models import Event
from voucherd.kit.errors import InvalidQueryParams
from voucherd.kit.pagination import PageParams, list_body, paginate
from voucherd.kit.timefmt import iso

# Spec `CustomerActivity.type` (the SDK refuses any other value).
CUSTOMER_ACTIVITY_TYPES = frozenset(
    {
        "customer.confirmed", "customer.created", "customer.updated", "customer.deleted",
        "customer.referred", "customer.custom_event", "customer.segment.entered",
        "customer.segment.left", "customer.rewarded", "customer.rewarded.loyalty_points",
        "customer.voucher.gift.balance_added",
        "customer.voucher.loyalty_card.pending_points.activated",
        "customer.voucher.loyalty_card.pending_points.added",
        "customer.voucher.loyalty_card.pending_points.canceled",
        "customer.voucher.loyalty_card.pending_points.updated",
        "customer.voucher.loyalty_card.points_activated",
        "customer.voucher.loyalty_card.points_added",
        "customer.voucher.loyalty_card.points_transferred",
        "customer.voucher.loyalty_card.points_expired", "customer.voucher.deleted",
        "customer.publication.succeeded", "customer.publication.failed",
        "customer.validation.succeeded", "customer.validation.failed",
        "customer.redemption.failed", "customer.redemption.succeeded",
        "customer.redemption.rollback.failed", "customer.redemption.rollback.succeeded",
        "customer.order.canceled", "customer.order.created", "customer.order.fulfilled",
        "customer.order.paid", "customer.order.processing", "customer.order.updated",
        "customer.reward_redemptions.created", "customer.reward_redemptions.pending",
        "customer.reward_redemptions.completed", "customer.reward_redemptions.rolledback",
        "customer.loyalty.updated", "customer.loyalty.tier.upgraded",
        "customer.loyalty.tier.downgraded", "customer.loyalty.tier.prolonged",
        "customer.loyalty.tier.expiration.changed", "customer.loyalty.tier.joined",
        "customer.loyalty.tier.left", "customer.holder.assignment.created",
        "customer.holder.assignment.deleted",
    }
)  # fmt: skip

# Events recorded only under their webhook name, listed under their activity name.
_RENAMED = {
    "publication.succeeded": "customer.publication.succeeded",
    "redemption.failed": "customer.redemption.failed",
    "voucher.gift.balance_added": "customer.voucher.gift.balance_added",
    "voucher.loyalty_card.pending_points.added": (
        "customer.voucher.loyalty_card.pending_points.added"
    ),
}

# Recorded type -> activity type, for every event a customer's activity lists.
CUSTOMER_ACTIVITY: Mapping[str, str] = {
    **{name: name for name in CUSTOMER_ACTIVITY_TYPES},
    **_RENAMED,
}

# Spec `MemberActivity.type`, a subset, where the official SDK spells two names with three
# c's ("succceeded") and refuses the correct spelling: a member's activity uses the SDK's
# spelling so that the SDK can read it.
_MEMBER_SPELLING = {
    "customer.redemption.succeeded": "customer.redemption.succceeded",
    "customer.redemption.rollback.succeeded": "customer.redemption.rollback.succceeded",
}
MEMBER_ACTIVITY_TYPES = frozenset(
    {
        "customer.loyalty.tier.upgraded", "customer.loyalty.tier.downgraded",
        "customer.loyalty.tier.prolonged", "customer.loyalty.tier.expiration.changed",
        "customer.loyalty.tier.joined", "customer.loyalty.tier.left",
        "customer.publication.succeeded", "customer.publication.failed",
        "customer.redemption.failed", "customer.redemption.succeeded",
        "customer.redemption.rollback.failed", "customer.redemption.rollback.succeeded",
        "customer.rewarded", "customer.rewarded.loyalty_points",
        "customer.reward_redemptions.created", "customer.reward_redemptions.pending",
        "customer.reward_redemptions.completed", "customer.reward_redemptions.rolledback",
        "customer.voucher.deleted", "customer.voucher.loyalty_card.pending_points.activated",
        "customer.voucher.loyalty_card.pending_points.added",
        "customer.voucher.loyalty_card.pending_points.canceled",
        "customer.voucher.loyalty_card.pending_points.updated",
        "customer.voucher.loyalty_card.points_added",
        "customer.voucher.loyalty_card.points_transferred",
        "customer.voucher.loyalty_card.points_expired",
    }
)  # fmt: skip
MEMBER_ACTIVITY: Mapping[str, str] = {
    recorded: _MEMBER_SPELLING.get(name, name)
    for recorded, name in CUSTOMER_ACTIVITY.items()
    if name in MEMBER_ACTIVITY_TYPES
}


def _recorded_types(names: Mapping[str, str], wanted: str | None) -> list[str]:
    """The recorded event types to read: all that `names` lists, or those shown as `wanted`."""
    if wanted is None:
        return sorted(names)
    recorded = sorted(t for t, name in names.items() if name == wanted)
    if not recorded:
        raise InvalidQueryParams(f"Unknown activity type '{wanted}'")
    return recorded


async def list_activity(
    session: AsyncSession,
    project_id: str,
    page: PageParams,
    *,
    customer_id: str | None = None,
    voucher_id: str | None = None,
    member: bool = False,
    activity_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    campaign_id: str | None = None,
) -> dict[str, Any]:
    names = MEMBER_ACTIVITY if member else CUSTOMER_ACTIVITY
    stmt = select(Event).where(
        Event.project_id == project_id, Event.type.in_(_recorded_types(names, activity_type))
    )
    if customer_id is not None:
        stmt = stmt.where(Event.customer_id == customer_id)
    if voucher_id is not None:
        stmt = stmt.where(Event.voucher_id == voucher_id)
    if since is not None:
        stmt = stmt.where(Event.created_at >= since)
    if until is not None:
        stmt = stmt.where(Event.created_at < until)
    if campaign_id is not None:
        # Events name their campaign in different places (`campaign.id`, `voucher.campaign_id`,
        # `loyalty.campaign_id`…); ids are unique random strings, so a quoted match is exact.
        stmt = stmt.where(cast(Event.data, String).contains(f'"{campaign_id}"', autoescape=True))
    rows, _, has_more = await paginate(session, stmt, Event.id, page)
    items = [
        {
            "id": event.id,
            "type": names[event.type],
            "data": {"data": event.data, "event_source": event.event_source},
            "created_at": iso(event.created_at),
            "group_id": event.group_id,
        }
        for event in rows
    ]
    return list_body("data", items, has_more=has_more)
