"""A REFERRAL_PROGRAM campaign's settings (`referral_program`), checked at create and kept in
`Campaign.extra["referral_program"]`; campaigns/ calls `settings`, everyone else reads them
through `of`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import InvalidPayload
from voucherd.referrals.schemas import ReferralProgramSpec

REFERRAL_PROGRAM = "REFERRAL_PROGRAM"
# The campaign type a referee reward's `related_object_parent` must have.
_PARENT_TYPE = {"LOYALTY_CARD": "LOYALTY_PROGRAM", "GIFT_VOUCHER": "GIFT_VOUCHERS"}

Lookup = Callable[[AsyncSession, RequestContext, str], Awaitable[Campaign]]


def is_referral(campaign: Campaign | None) -> bool:
    return campaign is not None and campaign.campaign_type == REFERRAL_PROGRAM


def of(campaign: Campaign) -> dict[str, Any]:
    """The stored settings (redemption conversion and no referee reward when none were sent)."""
    stored: dict[str, Any] = (campaign.extra or {}).get("referral_program") or {}
    return stored


async def settings(
    session: AsyncSession,
    ctx: RequestContext,
    campaign_type: str,
    spec: ReferralProgramSpec | None,
    lookup: Lookup,
) -> dict[str, Any] | None:
    """What to store for a new campaign's `referral_program` (None: not a referral program)."""
    if campaign_type != REFERRAL_PROGRAM:
        if spec is not None:
            raise InvalidPayload("referral_program is only for REFERRAL_PROGRAM campaigns")
        return None
    spec = spec or ReferralProgramSpec()
    event_type = spec.conversion_event_type or "redemption"
    custom_event = None
    if event_type == "custom_event":
        if spec.custom_event is None or not spec.custom_event.name:
            raise InvalidPayload(
                "referral_program.custom_event.name is required with conversion_event_type "
                "custom_event"
            )
        custom_event = {"id": spec.custom_event.id, "name": spec.custom_event.name}
    reward = None
    if spec.referee_reward is not None:
        given = spec.referee_reward
        parent = await lookup(session, ctx, given.related_object_parent.id)
        wanted = _PARENT_TYPE[given.type]
        if parent.campaign_type != wanted:
            raise InvalidPayload(
                f"referral_program.referee_reward: a {given.type} reward comes from a "
                f"{wanted} campaign, and {parent.id} is {parent.campaign_type}"
            )
        reward = {
            "related_object_parent": {"id": parent.id, "name": parent.name, "object": "CAMPAIGN"},
            "type": given.type,
            "amount": given.amount,
        }
    return {
        "conversion_event_type": event_type,
        "custom_event": custom_event,
        "referee_reward": reward,
    }
