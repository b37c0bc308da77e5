"""Referral request bodies: a campaign's `referral_program`, holders, referrer reward tiers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from voucherd.customers.schemas import CustomerReference
from voucherd.kit.bodies import RequestBody
from voucherd.kit.money import MAX_AMOUNT

ConversionEvent = Literal["redemption", "custom_event"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CustomEventRef(_Body):
    id: StrictStr | None = Field(default=None, max_length=64)
    name: StrictStr | None = Field(default=None, min_length=1, max_length=200)


class RewardParent(_Body):
    id: StrictStr = Field(min_length=1, max_length=64)
    name: StrictStr | None = None
    object: Literal["CAMPAIGN"] | None = None


class RefereeReward(_Body):
    related_object_parent: RewardParent
    type: Literal["LOYALTY_CARD", "GIFT_VOUCHER"]
    # Points, or gift credits in cents. The spec types it as an integer, the official SDK
    # as a string ("100"): both are taken.
    amount: StrictInt | StrictStr

    @field_validator("amount")
    @classmethod
    def _whole_number(cls, value: int | str) -> int:
        if isinstance(value, str):
            if not value.isdigit() or len(value) > 13:
                raise ValueError("amount must be a whole number")
            value = int(value)
        if not 1 <= value <= MAX_AMOUNT:
            raise ValueError(f"amount must be between 1 and {MAX_AMOUNT}")
        return value


class ReferralProgramSpec(_Body):
    """`referral_program` of a REFERRAL_PROGRAM campaign (spec `ReferralProgram`)."""

    conversion_event_type: ConversionEvent | None = None
    custom_event: CustomEventRef | None = None
    referee_reward: RefereeReward | None = None


class HoldersCreate(_Body):
    """`POST /v1/referrals/[{campaignId}/]members/{code}/holders`."""

    holders: list[CustomerReference] = Field(min_length=1, max_length=100)
    metadata: dict[str, Any] | None = None


RewardType = Literal["LOYALTY_POINTS", "GIFT_CREDITS", "COUPON"]


class TierReward(_Body):
    type: RewardType
    campaign_id: StrictStr = Field(min_length=1, max_length=64)
    points: StrictInt | None = Field(default=None, ge=1, le=MAX_AMOUNT)
    amount: StrictInt | None = Field(default=None, ge=1, le=MAX_AMOUNT)


class TierParameters(_Body):
    event_type: Literal["each", "at_least"]
    # Unique referees it takes: 1 for `each` (every referee), N for `at_least`.
    referrals: StrictInt = Field(default=1, ge=1, le=1_000_000)


class RewardTierCreate(RequestBody):
    # Referrer segments and notifications (Voucherify's dashboard offers both) are not built.
    unsupported = frozenset({"segment", "distribution"})

    name: StrictStr = Field(min_length=1, max_length=200)
    banner: StrictStr | None = Field(default=None, max_length=1000)
    parameters: TierParameters
    reward: TierReward


class RewardTierUpdate(RequestBody):
    unsupported = frozenset({"segment", "distribution"})

    name: StrictStr | None = Field(default=None, min_length=1, max_length=200)
    banner: StrictStr | None = Field(default=None, max_length=1000)
    parameters: TierParameters | None = None
    reward: TierReward | None = None


# -- answers of the reward-tier API (voucherd's own; documented in /openapi.json) -------------


class TierParametersOut(BaseModel):
    event_type: Literal["each", "at_least"]
    referrals: int
    segment: dict[str, Any] | None
    custom_event: dict[str, Any] | None
    distribution: dict[str, Any] | None


class TierRewardOut(BaseModel):
    type: RewardType
    campaign_id: str
    points: int | None = None
    amount: int | None = None


class RewardTierOut(BaseModel):
    """A referrer reward tier (`rt_…`)."""

    id: str
    object: Literal["referral_tier"]
    campaign_id: str
    name: str
    banner: str | None
    parameters: TierParametersOut
    reward: TierRewardOut
    created_at: str
    updated_at: str | None


class RewardTiersListOut(BaseModel):
    object: Literal["list"]
    data_ref: Literal["data"]
    data: list[RewardTierOut]
    total: int
