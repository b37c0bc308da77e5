"""Request bodies of earning rules, pending points and custom events (Voucherify legacy v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from voucherd.customers.schemas import CustomerReference
from voucherd.kit.money import MAX_POINTS
from voucherd.kit.validity import ValidityHours, ValidityTimeframe

# Voucherify caps a project at 100 earning rules; one create call cannot exceed that either.
MAX_RULES_PER_CALL = 100
FORMULA_MAX = 10_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ApplicableTo(_Body):
    object: Literal["products_collection", "product", "sku"]
    id: StrictStr = Field(min_length=1, max_length=200)


class ProportionalStep(_Body):
    """`{every, points, points_formula}` plus `property` (metadata types) or `object`/`id`
    (order items types). `every` is in cents for amount types, in units otherwise."""

    every: StrictInt | None = Field(default=None, ge=1, le=MAX_POINTS)
    points: StrictInt | None = Field(default=None, ge=0, le=MAX_POINTS)
    points_formula: StrictStr | None = Field(default=None, max_length=FORMULA_MAX)
    property: StrictStr | None = Field(default=None, min_length=1, max_length=300)
    object: Literal["products_collection", "product", "sku"] | None = None
    id: StrictStr | None = Field(default=None, min_length=1, max_length=200)
    applicable_to: list[ApplicableTo] | None = Field(default=None, max_length=100)


class OrderSteps(_Body):
    amount: ProportionalStep | None = None
    total_amount: ProportionalStep | None = None
    metadata: ProportionalStep | None = None


class OrderItemsSteps(_Body):
    quantity: ProportionalStep | None = None
    amount: ProportionalStep | None = None
    subtotal_amount: ProportionalStep | None = None


class MetadataSteps(_Body):
    metadata: ProportionalStep | None = None


class LoyaltySpec(_Body):
    """Voucherify's `loyalty`: FIXED {points, points_formula} or PROPORTIONAL with a
    `calculation_type` and the object that type names (checked in `rules.check_loyalty`)."""

    type: Literal["FIXED", "PROPORTIONAL"] | None = None
    points: StrictInt | None = Field(default=None, ge=0, le=MAX_POINTS)
    points_formula: StrictStr | None = Field(default=None, max_length=FORMULA_MAX)
    calculation_type: (
        Literal[
            "ORDER_AMOUNT",
            "ORDER_TOTAL_AMOUNT",
            "ORDER_METADATA",
            "ORDER_ITEMS_QUANTITY",
            "ORDER_ITEMS_AMOUNT",
            "ORDER_ITEMS_SUBTOTAL_AMOUNT",
            "CUSTOMER_METADATA",
            "CUSTOM_EVENT_METADATA",
        ]
        | None
    ) = None
    order: OrderSteps | None = None
    order_items: OrderItemsSteps | None = None
    customer: MetadataSteps | None = None
    custom_event: MetadataSteps | None = None


class PendingPointsSpec(_Body):
    period_type: Literal["DAY"] | None = None
    period_value: StrictInt | None = Field(default=None, ge=1, le=90)


class SourceSpec(_Body):
    banner: StrictStr | None = Field(default=None, max_length=1000)


class IdRef(_Body):
    id: StrictStr | None = Field(default=None, max_length=200)


class SchemaRef(_Body):
    schema_id: StrictStr | None = Field(default=None, max_length=200)


class EarningRuleFields(_Body):
    """What PUT may change (`event` is fixed once created, as in Voucherify)."""

    loyalty: LoyaltySpec | None = None
    source: SourceSpec | None = None
    active: StrictBool | None = None
    start_date: datetime | None = None
    expiration_date: datetime | None = None
    pending_points: PendingPointsSpec | None = None
    expiration_rules: dict[str, Any] | None = None
    validity_timeframe: ValidityTimeframe | None = None
    validity_day_of_week: list[Literal[0, 1, 2, 3, 4, 5, 6]] | None = Field(
        default=None, max_length=7
    )
    validity_hours: ValidityHours | None = None
    metadata: dict[str, Any] | None = None
    validation_rule_id: StrictStr | None = Field(default=None, max_length=200)


class EarningRuleUpdate(EarningRuleFields):
    pass


class EarningRuleCreate(EarningRuleFields):
    event: StrictStr = Field(min_length=1, max_length=200)
    segment: IdRef | None = None
    custom_event: SchemaRef | None = None
    loyalty_tier: IdRef | None = None


class PendingPointsAdjust(_Body):
    """`POST …/pending-points/{id}/balance`: add (positive) or remove (negative) points."""

    points: StrictInt = Field(ge=-MAX_POINTS, le=MAX_POINTS)


class ReferralRef(_Body):
    code: StrictStr | None = Field(default=None, max_length=300)
    referrer_id: StrictStr | None = Field(default=None, max_length=200)


class LoyaltyRef(_Body):
    code: StrictStr | None = Field(default=None, max_length=300)


class CustomEventCreate(_Body):
    """`POST /v1/events`: a custom event performed by a customer."""

    event: StrictStr = Field(min_length=1, max_length=200)
    customer: CustomerReference
    referral: ReferralRef | None = None
    loyalty: LoyaltyRef | None = None
    metadata: dict[str, Any] | None = None
