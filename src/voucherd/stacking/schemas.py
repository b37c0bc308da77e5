"""Stacking rules request bodies (`ManagementProjectsStackingRulesBase`).

Ranges are Voucherify's. A value voucherd cannot compute (percent discounts on the initial
amount, one discount per product, the grouped sorting rule) is refused by name rather than
stored and ignored.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictInt, StrictStr, model_validator

from voucherd.kit.bodies import RequestBody
from voucherd.kit.errors import InvalidPayload

CategoryIds = list[StrictStr] | None

# Values of spec fields voucherd does not implement, refused when sent.
_REFUSED_VALUES: dict[str, tuple[Any, ...]] = {
    # discounts/calculation.py takes each percent of what earlier discounts left.
    "discount_calculation_mode": ("INITIAL_AMOUNT",),
    # A product receives every stacked discount; ONCE is not computed.
    "redeemables_products_application_mode": ("ONCE",),
}


class StackingRulesBody(RequestBody):
    # In Voucherify's examples only, not its schema: never computed here.
    unsupported = frozenset({"grouped_redeemables_sorting_rule", "initial_amount_mode_categories"})

    exclusive_categories: CategoryIds = None
    joint_categories: CategoryIds = None
    redeemables_limit: StrictInt | None = Field(default=None, ge=1, le=30)
    applicable_redeemables_limit: StrictInt | None = Field(default=None, ge=1, le=30)
    applicable_redeemables_per_category_limit: StrictInt | None = Field(default=None, ge=1, le=30)
    applicable_redeemables_category_limits: dict[StrictStr, StrictInt] | None = None
    applicable_exclusive_redeemables_limit: StrictInt | None = Field(default=None, ge=1, le=5)
    applicable_exclusive_redeemables_per_category_limit: StrictInt | None = Field(
        default=None, ge=1, le=30
    )
    discount_calculation_mode: Literal["INITIAL_AMOUNT", "DISCOUNTED_AMOUNT"] | None = None
    discounted_amount_mode_categories: CategoryIds = None
    redeemables_application_mode: Literal["ALL", "PARTIAL"] | None = None
    redeemables_sorting_rule: Literal["CATEGORY_HIERARCHY", "REQUESTED_ORDER"] | None = None
    redeemables_products_application_mode: Literal["STACK", "ONCE"] | None = None
    redeemables_no_effect_rule: Literal["REDEEM_ANYWAY", "SKIP"] | None = None
    no_effect_skip_categories: CategoryIds = None
    no_effect_redeem_anyway_categories: CategoryIds = None
    redeemables_rollback_order_mode: Literal["WITH_ORDER", "WITHOUT_ORDER"] | None = None

    @model_validator(mode="after")
    def _check_values(self) -> StackingRulesBody:
        for name, refused in _REFUSED_VALUES.items():
            value = getattr(self, name)
            if value in refused:
                raise InvalidPayload(f"{name} {value} is not supported yet")
        for name, limit in (self.applicable_redeemables_category_limits or {}).items():
            if not 1 <= limit <= 10:
                raise InvalidPayload(
                    f"applicable_redeemables_category_limits.{name} must be between 1 and 10"
                )
        return self

    def given(self) -> dict[str, Any]:
        """The fields the client set (null means "not given": SDKs send null for the rest)."""
        return self.model_dump(exclude_none=True)


def check_consistent(rules: dict[str, Any]) -> None:
    """Cross-field rules of Voucherify's schema, on the rules as they would be stored
    (defaults filled in); raises a 400 naming the fields."""
    pairs = (
        ("applicable_redeemables_limit", "redeemables_limit"),
        ("applicable_redeemables_per_category_limit", "applicable_redeemables_limit"),
        (
            "applicable_exclusive_redeemables_per_category_limit",
            "applicable_exclusive_redeemables_limit",
        ),
    )
    for small, big in pairs:
        if rules[small] > rules[big]:
            raise InvalidPayload(f"{small} ({rules[small]}) must not exceed {big} ({rules[big]})")
    for one, other in (
        ("exclusive_categories", "joint_categories"),
        ("no_effect_skip_categories", "no_effect_redeem_anyway_categories"),
    ):
        both = sorted(set(rules[one]) & set(rules[other]))
        if both:
            raise InvalidPayload(f"{one} and {other} must not share categories: {', '.join(both)}")
