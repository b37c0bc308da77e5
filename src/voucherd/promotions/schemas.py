"""Promotion tier and stack request bodies (spec `PromotionTierCreateParams`,
`PromotionTierUpdate`, `PromotionStackBase`, `PromotionsStacks*RequestBody`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from voucherd.discounts.schemas import DiscountSpec
from voucherd.kit.bodies import RequestBody
from voucherd.kit.validity import WindowFields

# A stack lists 1 to 30 tiers (`PromotionStackBase.tiers`, the stacking `redeemables_limit`).
MAX_STACK_TIERS = 30
# Tiers one campaign create may carry; more are added one by one.
MAX_TIERS_PER_CREATE = 100
# Voucherify: at most one rule set per object, assigned inline.
MAX_INLINE_RULES = 1


class TierAction(BaseModel):
    model_config = ConfigDict(extra="ignore")

    discount: DiscountSpec | None = None


class TierFields(RequestBody, WindowFields):
    """What a tier create and update share; `validity_*` from WindowFields."""

    # `validation_rule_assignments` is read-only here: rules are named by `validation_rules`
    # (the spec's own example), so an assignment list sent in is refused, not ignored.
    unsupported = frozenset({"validation_rule_assignments"})

    banner: StrictStr | None = Field(default=None, max_length=1000)
    action: TierAction | None = None
    metadata: dict[str, Any] | None = None
    hierarchy: StrictInt | None = Field(default=None, ge=0, le=1_000_000)
    active: StrictBool | None = None
    start_date: datetime | None = None
    expiration_date: datetime | None = None
    category: StrictStr | None = Field(default=None, max_length=200)
    category_id: StrictStr | None = Field(default=None, max_length=64)
    validation_rules: list[StrictStr] | None = Field(default=None, max_length=MAX_INLINE_RULES)


class TierCreate(TierFields):
    name: StrictStr = Field(min_length=1, max_length=500)


class TierUpdate(TierFields):
    name: StrictStr | None = Field(default=None, min_length=1, max_length=500)


class PromotionSpec(BaseModel):
    """`promotion` of a PROMOTION campaign create."""

    model_config = ConfigDict(extra="ignore")

    tiers: list[TierCreate] | None = Field(default=None, max_length=MAX_TIERS_PER_CREATE)


class StackTiers(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ids: list[StrictStr] = Field(min_length=1, max_length=MAX_STACK_TIERS)
    hierarchy_mode: Literal["MANUAL"] | None = None


class StackCreate(RequestBody):
    name: StrictStr = Field(min_length=1, max_length=500)
    tiers: StackTiers
    category_id: StrictStr | None = Field(default=None, max_length=64)


class StackUpdate(RequestBody):
    name: StrictStr | None = Field(default=None, min_length=1, max_length=500)
    tiers: StackTiers | None = None
    category_id: StrictStr | None = Field(default=None, max_length=64)
