"""Request bodies of `POST /v1/qualifications` and the deprecated promotions validation.

Options voucherd does not know are refused by name (never accepted and ignored): a scenario,
a filter key, an operator, an expand value or a sorting rule outside Voucherify's lists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from voucherd.customers.schemas import CustomerReference
from voucherd.kit.errors import InvalidPayload
from voucherd.redemptions.schemas import OrderIn

SCENARIOS = (
    "ALL",
    "CUSTOMER_WALLET",
    "AUDIENCE_ONLY",
    "PRODUCTS",
    "PRODUCTS_DISCOUNT",
    "PROMOTION_STACKS",
    "PRODUCTS_BY_CUSTOMER",
    "PRODUCTS_DISCOUNT_BY_CUSTOMER",
)
SORTING_RULES = ("DEFAULT", "BEST_DEAL", "LEAST_DEAL")
EXPANDS = ("redeemable", "category", "validation_rules")
MAX_LIMIT = 50
DEFAULT_LIMIT = 5

# Filter key -> the operators Voucherify documents for it (QualificationsOption.filters).
_FIELD_OPERATORS = ("$is", "$is_not", "$in", "$not_in", "$has_value", "$is_unknown")
_ENUM_OPERATORS = ("$is", "$is_not", "$in", "$not_in")
FILTER_OPERATORS: dict[str, tuple[str, ...]] = {
    "category_id": _FIELD_OPERATORS,
    "campaign_id": _FIELD_OPERATORS,
    "resource_id": _FIELD_OPERATORS,
    "voucher_type": _FIELD_OPERATORS,
    "code": _FIELD_OPERATORS,
    "campaign_type": _ENUM_OPERATORS,
    "resource_type": _ENUM_OPERATORS,
    "holder_role": _ENUM_OPERATORS,
}
# The values the enum filters take (a typo would silently match nothing otherwise).
FILTER_VALUES: dict[str, tuple[str, ...]] = {
    "campaign_type": (
        "PROMOTION",
        "GIFT_VOUCHERS",
        "REFERRAL_PROGRAM",
        "DISCOUNT_COUPONS",
        "LOYALTY_PROGRAM",
    ),
    "resource_type": ("campaign", "voucher", "promotion_tier"),
    "holder_role": ("OWNER", "REFERRER", "REFEREE"),
}


class Condition(BaseModel):
    """One filter's operator and operands, checked against the key's documented operators."""

    operator: str
    values: tuple[str, ...]


class Filters(BaseModel):
    junction: Literal["and", "or"] = "and"
    conditions: dict[str, list[Condition]] = Field(default_factory=dict)


def _values(key: str, operator: str, operand: Any) -> tuple[str, ...]:
    if operator in ("$has_value", "$is_unknown"):
        return ()
    items = operand if isinstance(operand, list) else [operand]
    if not items or not all(isinstance(v, str) for v in items):
        raise InvalidPayload(
            f"options.filters.{key}.conditions.{operator}: a list of strings is expected"
        )
    allowed = FILTER_VALUES.get(key)
    if allowed is not None:
        unknown = sorted(set(items) - set(allowed))
        if unknown:
            raise InvalidPayload(
                f"options.filters.{key}.conditions.{operator}: unknown values {unknown} "
                f"(allowed: {', '.join(allowed)})"
            )
    return tuple(items)


def parse_filters(raw: Any) -> Filters:
    """Voucherify's `{junction, <key>: {conditions: {<operator>: [values]}}}`."""
    if raw is None:
        return Filters()
    if not isinstance(raw, dict):
        raise InvalidPayload("options.filters must be an object")
    junction = raw.get("junction") or "and"
    if isinstance(junction, str):
        junction = junction.lower()
    if junction not in ("and", "or"):
        raise InvalidPayload("options.filters.junction must be `and` or `or`")
    unknown = sorted(k for k in raw if k != "junction" and k not in FILTER_OPERATORS)
    if unknown:
        raise InvalidPayload(
            f"options.filters: unsupported filters {unknown} "
            f"(supported: junction, {', '.join(FILTER_OPERATORS)})"
        )
    conditions: dict[str, list[Condition]] = {}
    for key, spec in raw.items():
        if key == "junction" or spec is None:
            continue
        if (
            isinstance(spec, dict)
            and spec.get("conditions") is None
            and set(spec) <= {"conditions"}
        ):
            continue  # `{conditions: null}`: an SDK's unset filter
        if not isinstance(spec, dict) or not isinstance(spec.get("conditions"), dict):
            raise InvalidPayload(f"options.filters.{key} must be {{conditions: {{...}}}}")
        extra = sorted(set(spec) - {"conditions"})
        if extra:
            raise InvalidPayload(f"options.filters.{key}: unsupported keys {extra}")
        # SDKs send every operator of the model, unset ones as null: those say nothing.
        given = {op: v for op, v in spec["conditions"].items() if v is not None}
        bad = sorted(op for op in given if op not in FILTER_OPERATORS[key])
        if bad:
            raise InvalidPayload(
                f"options.filters.{key}: unsupported operators {bad} "
                f"(supported: {', '.join(FILTER_OPERATORS[key])})"
            )
        conditions[key] = [
            Condition(operator=op, values=_values(key, op, operand))
            for op, operand in given.items()
        ]
    return Filters(junction=junction, conditions=conditions)


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown option is refused, by name

    limit: int | None = Field(default=None, ge=1, le=MAX_LIMIT)
    starting_after: datetime | None = None
    filters: dict[str, Any] | None = None
    expand: list[str] | None = None
    sorting_rule: StrictStr | None = None

    @field_validator("expand")
    @classmethod
    def _known_expand(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - set(EXPANDS))
        if unknown:
            raise InvalidPayload(
                f"options.expand: unsupported values {unknown} (supported: {', '.join(EXPANDS)})"
            )
        return value

    @field_validator("sorting_rule")
    @classmethod
    def _known_sorting(cls, value: str | None) -> str | None:
        if value is not None and value not in SORTING_RULES:
            raise InvalidPayload(
                f"options.sorting_rule: unsupported value {value!r} "
                f"(supported: {', '.join(SORTING_RULES)})"
            )
        return value


class QualificationSession(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["LOCK"] | None = None


class QualificationRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customer: CustomerReference | None = None
    order: OrderIn | None = None
    tracking_id: StrictStr | None = Field(default=None, max_length=200)
    scenario: StrictStr | None = None
    options: Options | None = None
    session: QualificationSession | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("scenario")
    @classmethod
    def _known_scenario(cls, value: str | None) -> str | None:
        if value is not None and value not in SCENARIOS:
            raise InvalidPayload(
                f"scenario: unsupported value {value!r} (supported: {', '.join(SCENARIOS)})"
            )
        return value


class PromotionsValidationOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    expand: list[str] | None = None


class PromotionsValidationRequest(BaseModel):
    """The deprecated `POST /v1/promotions/validation` body (VOUCHERIFY-RULES.md §e)."""

    model_config = ConfigDict(extra="ignore")

    customer: CustomerReference | None = None
    order: OrderIn | None = None
    metadata: dict[str, Any] | None = None
    tracking_id: StrictStr | None = Field(default=None, max_length=200)
    options: PromotionsValidationOptions | None = None


# Response models of the deprecated promotions validation (absent from Voucherify's spec),
# for the OpenAPI document; bodies are built by serializers.promotion_body.
class ValidatedPromotionOut(BaseModel):
    valid: bool
    id: str
    name: str
    banner: str | None
    object: Literal["promotion_tier"]
    discount: dict[str, Any]
    discount_amount: int
    applied_discount_amount: int
    hierarchy: int
    start_date: str | None
    expiration_date: str | None
    campaign: dict[str, Any]
    metadata: dict[str, Any]
    category_id: str | None
    categories: list[dict[str, Any]]
    order: dict[str, Any]
    applicable_to: dict[str, Any]
    inapplicable_to: dict[str, Any]
    tracking_id: str | None


class PromotionsValidationOut(BaseModel):
    valid: bool
    tracking_id: str | None
    promotions: list[ValidatedPromotionOut]
