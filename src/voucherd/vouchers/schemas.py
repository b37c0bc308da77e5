"""Voucher request bodies (standalone vouchers, vouchers added to campaigns, balances)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    field_validator,
)

from voucherd.campaigns.codes import MAX_CODE_LENGTH
from voucherd.discounts.schemas import DiscountSpec, GiftSpec
from voucherd.kit.bodies import RequestBody
from voucherd.kit.money import MAX_AMOUNT, MAX_POINTS
from voucherd.kit.validity import WindowFields
from voucherd.loyalty.expiry import parse_expiration_rules

VoucherType = Literal["DISCOUNT_VOUCHER", "GIFT_VOUCHER", "LOYALTY_CARD"]
# A code the client chooses in a path (`POST /v1/vouchers/{code}`, `.../vouchers/{code}` of a
# campaign): checked at the edge like a body's `code`, not by the database.
NewCode = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CODE_LENGTH)]


class RedemptionLimit(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # None = unlimited, as in Voucherify.
    quantity: StrictInt | None = Field(default=None, ge=1, le=1_000_000_000)


class LoyaltyCardSpec(BaseModel):
    model_config = ConfigDict(extra="ignore")

    points: StrictInt = Field(default=0, ge=0, le=MAX_POINTS)
    expiration_rules: dict[str, Any] | None = None

    @field_validator("expiration_rules")
    @classmethod
    def _valid_rules(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # Checked when saved, so every stored rule set computes an expiry date later.
        parse_expiration_rules(value)  # ExpirationRulesError is a ValueError: a clear 400
        return value


# Voucherify gives no bound; a handful keeps each check of a code cheap.
MAX_INLINE_RULES = 10


class VoucherFields(RequestBody, WindowFields):
    """`validity_*` (WindowFields) limit when the code may be used, with its campaign's."""

    category: StrictStr | None = Field(default=None, max_length=200)
    category_id: StrictStr | None = Field(default=None, max_length=64)
    start_date: datetime | None = None
    expiration_date: datetime | None = None
    active: StrictBool | None = None
    additional_info: StrictStr | None = Field(default=None, max_length=2000)
    metadata: dict[str, Any] | None = None
    redemption: RedemptionLimit | None = None
    # Rule set ids assigned inline (the voucher then has exactly these; `[]` on update clears).
    validation_rules: list[StrictStr] | None = Field(default=None, max_length=MAX_INLINE_RULES)


class VoucherCreate(VoucherFields):
    code: StrictStr | None = Field(default=None, min_length=1, max_length=MAX_CODE_LENGTH)
    type: VoucherType | None = None
    discount: DiscountSpec | None = None
    gift: GiftSpec | None = None
    loyalty_card: LoyaltyCardSpec | None = None
    code_config: dict[str, Any] | None = None
    campaign: StrictStr | None = None
    campaign_id: StrictStr | None = None


class GiftUpdate(BaseModel):
    """`gift` in `PUT /v1/vouchers/{code}`: a new face value and/or effect.

    The balance is not set here: it moves with the amount (by the difference) or through
    `POST /v1/vouchers/{code}/balance`.
    """

    model_config = ConfigDict(extra="ignore")

    amount: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    effect: Literal["APPLY_TO_ORDER", "APPLY_TO_ITEMS"] | None = None


class VoucherUpdate(VoucherFields):
    # A voucher keeps its type: accepted when it names the current one (a read-modify-write
    # client sends it back), refused otherwise.
    type: VoucherType | None = None
    discount: DiscountSpec | None = None
    gift: GiftUpdate | None = None


class BalanceChange(BaseModel):
    """`POST /v1/vouchers/{code}/balance`: add (or, negative, remove) gift credits."""

    model_config = ConfigDict(extra="ignore")

    amount: StrictInt = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    source_id: StrictStr | None = Field(default=None, max_length=200)
    reason: StrictStr | None = Field(default=None, max_length=1000)
