"""Request bodies of validations, redemptions and rollbacks."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from voucherd.customers.schemas import CustomerReference
from voucherd.kit.bodies import RequestBody
from voucherd.kit.money import MAX_AMOUNT, MAX_POINTS
from voucherd.orders.schemas import OrderCreate

MAX_REDEEMABLES = 30


class GiftCredits(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Asking for 0 credits is a mistake in the request, not an empty card (as reward points).
    credits: StrictInt | None = Field(default=None, ge=1, le=MAX_AMOUNT)


class RewardPick(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: StrictStr | None = None
    points: StrictInt | None = Field(default=None, ge=1, le=MAX_POINTS)


class RedeemableIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    object: Literal["voucher", "promotion_tier", "promotion_stack"]
    id: StrictStr = Field(min_length=1, max_length=300)
    gift: GiftCredits | None = None
    reward: RewardPick | None = None


class OrderIn(OrderCreate):
    """The order of a validation or redemption: an existing one by id/source_id, or a new one."""


class StackableRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    redeemables: list[RedeemableIn] = Field(min_length=1, max_length=MAX_REDEEMABLES)
    order: OrderIn | None = None
    customer: CustomerReference | None = None
    tracking_id: StrictStr | None = Field(default=None, max_length=200)
    metadata: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    session: dict[str, Any] | None = None


# Voucherify's stacking rule `redeemables_rollback_order_mode`: WITH_ORDER (its default) rolls
# the order back with the redemption (discounts removed, order CANCELED), WITHOUT_ORDER leaves
# the order as it is.
RollbackOrderMode = Literal["WITH_ORDER", "WITHOUT_ORDER"]


class RollbackOptions(BaseModel):
    """Per-rollback options (a voucherd extension: Voucherify sets the mode per project)."""

    model_config = ConfigDict(extra="forbid")  # an option we don't know is refused, by name

    redeemables_rollback_order_mode: RollbackOrderMode | None = None


class RollbackRequest(RequestBody):
    # Changing the order while rolling back (Voucherify's `order` here) is not built: refused
    # when set, so an order update the caller meant is never dropped.
    unsupported = frozenset({"order"})

    reason: StrictStr | None = Field(default=None, max_length=1000)
    tracking_id: StrictStr | None = Field(default=None, max_length=200)
    customer: CustomerReference | None = None
    metadata: dict[str, Any] | None = None
    options: RollbackOptions | None = None

    @property
    def order_mode(self) -> RollbackOrderMode:
        mode = self.options.redeemables_rollback_order_mode if self.options else None
        return mode or "WITH_ORDER"
