"""The rewards catalogue and its assignments to loyalty programs.

Reward redemption is in `redeem.py` (and its rollback in `rollback.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import DuplicateFound, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.loyalty import service as loyalty
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.products import service as products
from voucherd.rewards import repository, rules
from voucherd.rewards.models import Reward, RewardAssignment
from voucherd.rewards.schemas import (
    AssignmentParameters,
    RewardCreate,
    RewardParameters,
    RewardUpdate,
)
from voucherd.vouchers.models import Voucher

PROGRAM = "LOYALTY_PROGRAM"
# What a CAMPAIGN reward can draw from, and whether it needs `balance` (points or cents).
SOURCE_CAMPAIGNS = {"DISCOUNT_COUPONS": False, "GIFT_VOUCHERS": True, "LOYALTY_PROGRAM": True}


# -- rewards ----------------------------------------------------------------------------------


async def get_reward(session: AsyncSession, ctx: RequestContext, reward_id: str) -> Reward:
    reward = await repository.get_reward(session, ctx.project_id, reward_id)
    if reward is None:
        raise NotFound("reward", reward_id)
    return reward


def _type_of(params: RewardParameters, declared: str | None) -> str:
    given = [
        kind
        for kind, present in (
            ("CAMPAIGN", params.campaign is not None),
            ("COIN", params.coin is not None),
            ("MATERIAL", params.product is not None),
        )
        if present
    ]
    if len(given) != 1:
        raise InvalidPayload("parameters must hold exactly one of campaign, coin or product")
    if declared is not None and declared != given[0]:
        raise InvalidPayload(f"A {declared} reward cannot have parameters.{given[0].lower()}")
    return given[0]


async def _campaign_parameters(
    session: AsyncSession, ctx: RequestContext, params: RewardParameters
) -> dict[str, Any]:
    assert params.campaign is not None
    if not params.campaign.id:
        raise InvalidPayload("parameters.campaign.id is required")
    campaign = await campaigns.get(session, ctx, params.campaign.id)
    if campaign.campaign_type not in SOURCE_CAMPAIGNS:
        raise InvalidPayload(
            f"A {campaign.campaign_type} campaign cannot be the source of a reward"
        )
    stored: dict[str, Any] = {"id": campaign.id, "type": campaign.campaign_type}
    if SOURCE_CAMPAIGNS[campaign.campaign_type]:
        if params.campaign.balance is None:
            what = "points" if campaign.campaign_type == PROGRAM else "credits (cents)"
            raise InvalidPayload(f"parameters.campaign.balance ({what}) is required")
        stored["balance"] = params.campaign.balance
    return {"campaign": stored}


def _coin_parameters(params: RewardParameters) -> dict[str, Any]:
    assert params.coin is not None
    try:
        cash, points = rules.parse_ratio(params.coin.exchange_ratio, params.coin.points_ratio)
    except rules.CoinError as exc:
        raise InvalidPayload(f"parameters.coin: {exc}") from None
    return {"coin": rules.stored_ratio(cash, points)}


async def _product_parameters(
    session: AsyncSession, ctx: RequestContext, params: RewardParameters
) -> dict[str, Any]:
    assert params.product is not None
    if not params.product.id:
        raise InvalidPayload("parameters.product.id is required")
    product = await products.get(session, ctx, params.product.id)
    sku_id = None
    if params.product.sku_id:
        sku = await products.get_sku(session, ctx, params.product.sku_id)
        if sku.product_id != product.id:
            raise NotFound("sku", params.product.sku_id)
        sku_id = sku.id
    return {"product": {"id": product.id, "sku_id": sku_id}}


async def _parameters(
    session: AsyncSession, ctx: RequestContext, kind: str, params: RewardParameters
) -> dict[str, Any]:
    if kind == "CAMPAIGN":
        return await _campaign_parameters(session, ctx, params)
    if kind == "COIN":
        return _coin_parameters(params)
    return await _product_parameters(session, ctx, params)


def _attributes(data: RewardCreate) -> dict[str, Any]:
    return data.attributes.model_dump(exclude_none=True) if data.attributes else {}


async def create_reward(session: AsyncSession, ctx: RequestContext, data: RewardCreate) -> Reward:
    await metadata_schemas.check(session, ctx, "reward", data.metadata)
    if not data.name:
        raise InvalidPayload("name is required")
    if data.parameters is None:
        raise InvalidPayload("parameters are required")
    kind = _type_of(data.parameters, data.type)
    if data.stock is not None and kind != "MATERIAL":
        raise InvalidPayload("Only MATERIAL rewards have a stock")
    reward = Reward(
        id=new_id(Prefix.REWARD),
        project_id=ctx.project_id,
        name=data.name,
        type=kind,
        parameters=await _parameters(session, ctx, kind, data.parameters),
        stock=data.stock,
        redeemed=0,
        attributes=_attributes(data),
        metadata_=dict(data.metadata or {}),
        created_at=utcnow(),
    )
    session.add(reward)
    await session.flush()
    return reward


async def update_reward(
    session: AsyncSession, ctx: RequestContext, reward_id: str, data: RewardUpdate
) -> Reward:
    await metadata_schemas.check(session, ctx, "reward", data.metadata)
    reward = await get_reward(session, ctx, reward_id)
    fields = data.model_fields_set
    if "name" in fields:
        if not data.name:
            raise InvalidPayload("name must not be empty")
        reward.name = data.name
    if data.parameters is not None and data.parameters.model_fields_set:
        kind = _type_of(data.parameters, data.type or reward.type)
        if kind != reward.type:
            raise InvalidPayload(f"A {reward.type} reward cannot become {kind}")
        reward.parameters = await _parameters(session, ctx, kind, data.parameters)
    if "attributes" in fields:
        reward.attributes = _attributes(data)
    if "metadata" in fields:
        reward.metadata_ = dict(data.metadata or {})
    reward.updated_at = utcnow()
    await session.flush()
    if "stock" in fields:
        if reward.type != "MATERIAL" and data.stock is not None:
            raise InvalidPayload("Only MATERIAL rewards have a stock")
        if not await repository.set_stock(session, reward.id, data.stock):
            raise InvalidPayload(
                f"stock cannot go below the {reward.redeemed} units already redeemed"
            )
        await session.refresh(reward)
    return reward


async def delete_reward(session: AsyncSession, ctx: RequestContext, reward_id: str) -> None:
    reward = await get_reward(session, ctx, reward_id)
    await session.delete(reward)  # its assignments go with it (ON DELETE CASCADE)
    await session.flush()


# -- assignments ------------------------------------------------------------------------------


async def program_for_assignment(
    session: AsyncSession, ctx: RequestContext, key: str | None
) -> Campaign:
    """The campaign named in an assignment body: it must be a loyalty program (400)."""
    if not key:
        raise InvalidPayload("campaign is required")
    campaign = await campaigns.get(session, ctx, key)
    if campaign.campaign_type != PROGRAM:
        raise InvalidPayload(
            f"Rewards are assigned to loyalty programs; {campaign.name} is {campaign.campaign_type}"
        )
    return campaign


async def program(session: AsyncSession, ctx: RequestContext, key: str) -> Campaign:
    """The program of a `/v1/loyalties/{campaignId}/…` path (404 unless a loyalty program)."""
    return await loyalty.get_program(session, ctx, key)


def _assignment_parameters(reward: Reward, params: AssignmentParameters | None) -> dict[str, Any]:
    loyalty_params = params.loyalty if params else None
    if reward.type == "COIN":
        # Pay with points has no fixed price: the member chooses how many points to spend.
        return {}
    if loyalty_params is None or loyalty_params.points is None:
        raise InvalidPayload("parameters.loyalty.points (the reward's cost, >= 1) is required")
    stored: dict[str, Any] = {"points": loyalty_params.points}
    if loyalty_params.auto_redeem is not None:
        stored["auto_redeem"] = loyalty_params.auto_redeem
    return {"loyalty": stored}


def _points_of(parameters: dict[str, Any]) -> int | None:
    points = (parameters.get("loyalty") or {}).get("points")
    return int(points) if points is not None else None


async def create_assignment(
    session: AsyncSession,
    ctx: RequestContext,
    reward: Reward,
    campaign: Campaign,
    params: AssignmentParameters | None,
) -> RewardAssignment:
    if await repository.assignment_of(session, reward.id, campaign.id) is not None:
        raise _duplicate(reward, campaign)
    parameters = _assignment_parameters(reward, params)
    assignment = RewardAssignment(
        id=new_id(Prefix.REWARD_ASSIGNMENT),
        project_id=ctx.project_id,
        reward_id=reward.id,
        campaign_id=campaign.id,
        points=_points_of(parameters),
        parameters=parameters,
        created_at=utcnow(),
    )
    try:
        # Inside a savepoint: a simultaneous identical assignment hits the unique
        # constraint, and only this INSERT is undone.
        async with session.begin_nested():
            session.add(assignment)
            await session.flush()
    except IntegrityError as exc:
        if assignment in session:
            session.expunge(assignment)
        raise _duplicate(reward, campaign) from exc
    return assignment


def _duplicate(reward: Reward, campaign: Campaign) -> DuplicateFound:
    return DuplicateFound(
        f"Reward {reward.id} is already assigned to {campaign.name}",
        resource_id=reward.id,
        resource_type="reward_assignment",
    )


async def get_assignment(
    session: AsyncSession,
    ctx: RequestContext,
    assignment_id: str,
    *,
    reward_id: str | None = None,
    campaign_id: str | None = None,
) -> RewardAssignment:
    assignment = await repository.get_assignment(session, ctx.project_id, assignment_id)
    if (
        assignment is None
        or (reward_id is not None and assignment.reward_id != reward_id)
        or (campaign_id is not None and assignment.campaign_id != campaign_id)
    ):
        raise NotFound("reward_assignment", assignment_id)
    return assignment


async def update_assignment(
    session: AsyncSession,
    ctx: RequestContext,
    assignment: RewardAssignment,
    params: AssignmentParameters | None,
) -> RewardAssignment:
    reward = await get_reward(session, ctx, assignment.reward_id)
    if params is not None and params.loyalty is not None:
        current = dict((assignment.parameters or {}).get("loyalty") or {})
        sent = params.loyalty.model_dump(exclude_unset=True, exclude_none=True)
        merged = AssignmentParameters.model_validate({"loyalty": {**current, **sent}})
        assignment.parameters = _assignment_parameters(reward, merged)
        assignment.points = _points_of(assignment.parameters)
    assignment.updated_at = utcnow()
    await session.flush()
    return assignment


async def delete_assignment(session: AsyncSession, assignment: RewardAssignment) -> None:
    await session.delete(assignment)
    await session.flush()


# -- a member's rewards -----------------------------------------------------------------------


def affordable(card: Voucher, reward: Reward, assignment: RewardAssignment) -> bool:
    """Whether the member could redeem it now: enough points and, for goods, stock left."""
    balance = card.loyalty_balance or 0
    if reward.stock is not None and reward.redeemed >= reward.stock:
        return False
    if assignment.points is None:  # pay with points: any balance pays part of an order
        return balance > 0
    return balance >= assignment.points


async def program_rewards(
    session: AsyncSession, program: Campaign
) -> Sequence[tuple[RewardAssignment, Reward]]:
    """Every reward assigned to the program with its assignment, oldest assignment first."""
    return await repository.program_rewards(session, program.project_id, program.id)


async def member_rewards(
    session: AsyncSession, ctx: RequestContext, member_id: str, *, affordable_only: bool
) -> list[tuple[Reward, RewardAssignment]]:
    # Affordable with the points a redemption could spend now (none past its expiry).
    card = await loyalty.as_spendable(
        session, ctx, await loyalty.get_member(session, ctx, member_id)
    )
    if card.campaign_id is None:
        return []
    pairs = await repository.program_rewards(session, ctx.project_id, card.campaign_id)
    return [
        (reward, assignment)
        for assignment, reward in pairs
        if not affordable_only or affordable(card, reward, assignment)
    ]


async def coin_ratio(
    session: AsyncSession, project_id: str, program_id: str
) -> tuple[Decimal, int] | None:
    """What a program's points are worth: the first pay-with-points (COIN) reward assigned
    to it, as (cash per `points_ratio` points, points_ratio); None when it has none."""
    for _, reward in await repository.program_rewards(session, project_id, program_id):
        if reward.type == "COIN":
            coin = reward.parameters.get("coin") or {}
            return rules.parse_ratio(coin.get("exchange_ratio"), coin.get("points_ratio"))
    return None
