"""A PROMOTION campaign's tiers and stacks, and a REFERRAL_PROGRAM's referrer reward tiers, on
the console's campaign page: listed, added, switched on or off, removed.

Every change goes through the service the API uses (`promotions.service`,
`referrals.tiers`) in the request's transaction with its events, and is audited with before
and after. A refusal changes nothing (a savepoint) and is shown on an error page.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.console import campaign_forms as forms
from voucherd.console import campaign_kinds as kinds
from voucherd.console import service as console
from voucherd.console.web import CurrentViewer, FormError, Viewer, checked_form, redirect
from voucherd.kit.errors import ApiError, NotFound
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.promotions import repository as promotion_rows
from voucherd.promotions import service as promotions
from voucherd.promotions.models import PromotionStack
from voucherd.promotions.schemas import TierCreate
from voucherd.referrals import program as referral_program
from voucherd.referrals import tiers as referral_tiers
from voucherd.referrals.schemas import RewardTierCreate
from voucherd.referrals.serializers import tier_body as reward_tier_body

router = APIRouter(prefix="/console", route_class=TransactionalRoute, include_in_schema=False)

MAX_STACKS = 50  # a campaign's stacks shown (Voucherify allows few per campaign)
MAX_SOURCES = 200  # campaigns offered as a reward's source


def _snapshot(body: dict[str, Any]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(body, default=str))
    return copied


async def _sources(session: AsyncSession, who: Viewer, types: tuple[str, ...]) -> list[Campaign]:
    """The project's campaigns a reward can come from, by name."""
    rows = await session.execute(
        select(Campaign)
        .where(Campaign.project_id == who.user.project_id, Campaign.campaign_type.in_(types))
        .order_by(Campaign.name, Campaign.id)
        .limit(MAX_SOURCES)
    )
    return list(rows.scalars())


async def form_choices(
    session: AsyncSession, who: Viewer, kind: forms.CampaignKind
) -> dict[str, Any]:
    """What a type's create form offers to pick from (a referee reward's campaign)."""
    if kind.campaign_type != referral_program.REFERRAL_PROGRAM:
        return {}
    return {
        "conversion_events": kinds.CONVERSION_EVENTS,
        "referee_rewards": kinds.REFEREE_REWARDS,
        "parents": await _sources(session, who, ("LOYALTY_PROGRAM", "GIFT_VOUCHERS")),
    }


async def page_context(session: AsyncSession, who: Viewer, campaign: Campaign) -> dict[str, Any]:
    """The campaign page's promotion or referral part (empty for other types)."""
    if campaign.campaign_type == promotions.PROMOTION:
        tiers = await promotion_rows.tiers_of_campaigns(session, who.user.project_id, [campaign.id])
        stmt = promotion_rows.stacks_query(who.user.project_id, campaign_id=campaign.id)
        stacks = (
            await session.execute(stmt.order_by(PromotionStack.id).limit(MAX_STACKS))
        ).scalars()
        return {
            "promotion_tiers": await promotions.tier_bodies(session, who.ctx, tiers),
            "promotion_stacks": await promotions.stack_bodies(session, who.ctx, list(stacks)),
        }
    if referral_program.is_referral(campaign):
        rows = await referral_tiers.list_tiers(session, who.ctx, campaign)
        return {
            "referral": referral_program.of(campaign),
            "reward_tiers": [reward_tier_body(t) for t in rows],
            "reward_types": kinds.REWARD_TYPES,
            "reward_sources": await _sources(session, who, tuple(kinds.REWARD_SOURCES.values())),
        }
    return {}


async def _campaign(session: AsyncSession, who: Viewer, campaign_id: str, wanted: str) -> Campaign:
    try:
        campaign = await campaigns.get_by_id(session, who.ctx, campaign_id)
    except NotFound:
        campaign = None
    if campaign is None or campaign.campaign_type != wanted:
        raise FormError(f"No {wanted.lower().replace('_', ' ')} campaign {campaign_id[:64]}.")
    return campaign


def _refusal(exc: Exception) -> FormError:
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors():
            path = ".".join(str(p) for p in error["loc"])
            parts.append(f"{path}: {str(error['msg']).removeprefix('Value error, ')}")
        return FormError("Not saved: " + "; ".join(parts))
    return FormError(f"Not saved: {exc}")


# --------------------------------------------------------------------------- promotion tiers


@router.post("/campaigns/{campaign_id}/tiers")
async def add_tier(request: Request, campaign_id: str, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, role="editor")
    session = get_session_of(request)
    campaign = await _campaign(session, who, campaign_id, promotions.PROMOTION)
    try:
        async with session.begin_nested():
            data = TierCreate.model_validate(kinds.tier_body(form))
            tier = await promotions.add_tier(session, who.ctx, campaign.id, data)
            body = await promotions.full_tier(session, who.ctx, tier)
    except (ValidationError, ApiError) as exc:
        raise _refusal(exc) from None
    await console.audit(
        session, who.user, "promotion_tier.create", object_type="promotion_tier",
        object_id=tier.id, after=_snapshot(body),
    )  # fmt: skip
    return redirect(f"/console/campaigns/{campaign.id}")


@router.post("/campaigns/{campaign_id}/tiers/{tier_id}/{state}")
async def switch_tier(
    request: Request, campaign_id: str, tier_id: str, state: str, who: CurrentViewer
) -> Response:
    await checked_form(request, who, role="editor")
    if state not in ("enable", "disable"):
        raise FormError("Unknown action.")
    session = get_session_of(request)
    campaign = await _campaign(session, who, campaign_id, promotions.PROMOTION)
    try:
        tier = await promotions.get_tier(session, who.ctx, tier_id)
    except NotFound:
        tier = None
    if tier is None or tier.campaign_id != campaign.id:
        raise FormError(f"No tier {tier_id[:64]} in this campaign.")
    before = {"active": tier.active}
    await promotions.set_tier_active(session, who.ctx, tier.id, state == "enable")
    await console.audit(
        session, who.user, f"promotion_tier.{state}", object_type="promotion_tier",
        object_id=tier.id, before=before, after={"active": state == "enable"},
    )  # fmt: skip
    return redirect(f"/console/campaigns/{campaign.id}")


# --------------------------------------------------------------------------- referrer rewards


@router.post("/campaigns/{campaign_id}/reward-tiers")
async def add_reward_tier(request: Request, campaign_id: str, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, role="editor")
    session = get_session_of(request)
    campaign = await _campaign(session, who, campaign_id, referral_program.REFERRAL_PROGRAM)
    try:
        async with session.begin_nested():
            data = RewardTierCreate.model_validate(kinds.reward_tier_body(form))
            tier = await referral_tiers.create(session, who.ctx, campaign, data)
    except (ValidationError, ApiError) as exc:
        raise _refusal(exc) from None
    await console.audit(
        session, who.user, "referral_tier.create", object_type="referral_tier",
        object_id=tier.id, after=_snapshot(reward_tier_body(tier)),
    )  # fmt: skip
    return redirect(f"/console/campaigns/{campaign.id}")


@router.post("/campaigns/{campaign_id}/reward-tiers/{tier_id}/delete")
async def delete_reward_tier(
    request: Request, campaign_id: str, tier_id: str, who: CurrentViewer
) -> Response:
    await checked_form(request, who, role="editor")
    session = get_session_of(request)
    campaign = await _campaign(session, who, campaign_id, referral_program.REFERRAL_PROGRAM)
    try:
        tier = await referral_tiers.get(session, who.ctx, campaign, tier_id)
    except NotFound:
        raise FormError(f"No reward tier {tier_id[:64]} in this campaign.") from None
    before = _snapshot(reward_tier_body(tier))
    await referral_tiers.delete(session, who.ctx, campaign, tier.id)
    await console.audit(
        session, who.user, "referral_tier.delete", object_type="referral_tier",
        object_id=tier_id, before=before,
    )  # fmt: skip
    return redirect(f"/console/campaigns/{campaign.id}")
