"""How assignments find the objects they name: one finder per related object type.

Registered with `service.related` (this module imports the domains; `service` imports none,
so the domains can call `service.assign_inline` without an import cycle). Imported by the
endpoints, so the finders exist whenever the API runs.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.earning import service as earning
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import NotFound
from voucherd.promotions import service as promotions
from voucherd.promotions.serializers import simple_tier
from voucherd.rewards import service as rewards
from voucherd.rules.service import Related, related
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.serializers import simple_voucher


@related("voucher")
async def _voucher(session: AsyncSession, ctx: RequestContext, key: str) -> Related | None:
    try:
        voucher = await vouchers.get(session, ctx, key)
    except NotFound:
        return None
    return Related(voucher.id, voucher.campaign_id, {"voucher": simple_voucher(voucher)})


@related("campaign")
async def _campaign(session: AsyncSession, ctx: RequestContext, key: str) -> Related | None:
    try:
        campaign = await campaigns.get(session, ctx, key)
    except NotFound:
        return None
    return Related(campaign.id, campaign.id)


@related("earning_rule")
async def _earning_rule(session: AsyncSession, ctx: RequestContext, key: str) -> Related | None:
    rule = await earning.find_rule(session, ctx, key)
    if rule is None:
        return None
    # WH `SimpleEarningRule`, as the assignment events show it.
    simple = {
        "id": rule.id,
        "active": rule.active,
        "metadata": rule.metadata_ or {},
        "parameters": {
            "event": rule.event,
            "banner": (rule.source or {}).get("banner"),
            "loyalty": rule.loyalty,
        },
        "campaign_id": rule.campaign_id,
        "automation_id": None,
    }
    return Related(rule.id, rule.campaign_id, {"earning_rule": simple})


@related("reward_assignment")
async def _reward_assignment(
    session: AsyncSession, ctx: RequestContext, key: str
) -> Related | None:
    try:
        assignment = await rewards.get_assignment(session, ctx, key)
    except NotFound:
        return None
    return Related(assignment.id, assignment.campaign_id)


@related("promotion_tier")
async def _promotion_tier(session: AsyncSession, ctx: RequestContext, key: str) -> Related | None:
    try:
        tier = await promotions.get_tier(session, ctx, key)
    except NotFound:
        return None
    # WH `SimplePromotionTier`, as the assignment events show it.
    return Related(tier.id, tier.campaign_id, {"promotion_tier": simple_tier(tier)})
