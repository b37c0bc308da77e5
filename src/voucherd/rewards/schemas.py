"""Request bodies of `/v1/rewards`, reward assignments and reward redemptions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from voucherd.kit.bodies import RequestBody
from voucherd.kit.money import MAX_AMOUNT, MAX_POINTS
from voucherd.orders.schemas import OrderCreate

RewardType = Literal["CAMPAIGN", "COIN", "MATERIAL"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CampaignParams(_Body):
    """`parameters.campaign`: the campaign a digital reward draws from."""

    id: StrictStr | None = Field(default=None, max_length=500)
    # Points (LOYALTY_PROGRAM) or cents (GIFT_VOUCHERS) added; not used by DISCOUNT_COUPONS.
    balance: StrictInt | None = Field(default=None, ge=1, le=MAX_AMOUNT)


class CoinParams(_Body):
    """`parameters.coin`: `points_ratio` points are worth `exchange_ratio` (major units).

    The SDK sends `points_ratio` as a string and `exchange_ratio` as a number; both forms
    are read."""

    exchange_ratio: StrictInt | StrictFloat | StrictStr | None = None
    points_ratio: StrictInt | StrictStr | None = None


class ProductParams(_Body):
    id: StrictStr | None = Field(default=None, max_length=200)
    sku_id: StrictStr | None = Field(default=None, max_length=200)


class RewardParameters(_Body):
    campaign: CampaignParams | None = None
    coin: CoinParams | None = None
    product: ProductParams | None = None


class RewardAttributes(_Body):
    image_url: StrictStr | None = Field(default=None, max_length=2000)
    description: StrictStr | None = Field(default=None, max_length=5000)


class RewardCreate(_Body):
    """`POST /v1/rewards` (the type follows from which parameter is given)."""

    name: StrictStr | None = Field(default=None, max_length=500)
    type: RewardType | None = None
    parameters: RewardParameters | None = None
    stock: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    attributes: RewardAttributes | None = None
    metadata: dict[str, Any] | None = None


class RewardUpdate(RewardCreate):
    """`PUT /v1/rewards/{rewardId}`: only the fields sent change."""


class LoyaltyParams(_Body):
    points: StrictInt | None = Field(default=None, ge=1, le=MAX_POINTS)
    auto_redeem: StrictBool | None = None


class AssignmentParameters(_Body):
    loyalty: LoyaltyParams | None = None


# Rule set ids assigned inline to the reward assignment (who may redeem it).
_MAX_INLINE_RULES = 10


class AssignmentCreate(RequestBody):
    """`POST /v1/rewards/{rewardId}/assignments`."""

    campaign: StrictStr | None = Field(default=None, max_length=500)
    parameters: AssignmentParameters | None = None
    validation_rules: list[StrictStr] | None = Field(default=None, max_length=_MAX_INLINE_RULES)


class ProgramAssignmentCreate(RequestBody):
    """One item of `POST /v1/loyalties/{campaignId}/rewards` (the body is an array)."""

    reward: StrictStr | None = Field(default=None, max_length=64)
    parameters: AssignmentParameters | None = None
    validation_rules: list[StrictStr] | None = Field(default=None, max_length=_MAX_INLINE_RULES)


class AssignmentUpdate(_Body):
    parameters: AssignmentParameters | None = None


class RewardPick(_Body):
    id: StrictStr | None = Field(default=None, max_length=64)
    # Pay-with-points (COIN) only: how many points to spend on the order.
    points: StrictInt | None = Field(default=None, ge=1, le=MAX_POINTS)


class RewardRedeem(_Body):
    """`POST /v1/loyalties/[{campaignId}/]members/{memberId}/redemption`."""

    reward: RewardPick | None = None
    order: OrderCreate | None = None
    metadata: dict[str, Any] | None = None
