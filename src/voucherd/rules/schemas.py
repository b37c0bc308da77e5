"""Request bodies of /v1/validation-rules and their assignments.

`rules`, `bundle_rules`, `error` and `applicable_to` arrive as plain JSON and are validated by
`language` (pure), which names the rule and the fault in its 400.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictStr

from voucherd.kit.bodies import RequestBody

RuleType = Literal["expression", "basic", "advanced", "complex"]
# Spec `ValidationRuleBase.context_type`: the official SDK refuses any other value.
ContextType = Literal[
    "earning_rule.order.paid",
    "earning_rule.custom_event",
    "earning_rule.customer.segment.entered",
    "earning_rule.customer.tier.joined",
    "earning_rule.customer.tier.left",
    "earning_rule.customer.tier.upgraded",
    "earning_rule.customer.tier.downgraded",
    "earning_rule.customer.tier.prolonged",
    "campaign.discount_coupons",
    "campaign.discount_coupons.discount.apply_to_order",
    "campaign.discount_coupons.discount.apply_to_items",
    "campaign.discount_coupons.discount.apply_to_items_proportionally",
    "campaign.discount_coupons.discount.apply_to_items_proportionally_by_quantity",
    "campaign.discount_coupons.discount.apply_to_items_by_quantity",
    "campaign.discount_coupons.discount.fixed.apply_to_items",
    "campaign.discount_coupons.discount.percent.apply_to_items",
    "campaign.gift_vouchers",
    "campaign.gift_vouchers.gift.apply_to_order",
    "campaign.gift_vouchers.gift.apply_to_items",
    "campaign.referral_program",
    "campaign.referral_program.discount.apply_to_order",
    "campaign.referral_program.discount.apply_to_items",
    "campaign.referral_program.discount.apply_to_items_proportionally",
    "campaign.referral_program.discount.apply_to_items_proportionally_by_quantity",
    "campaign.referral_program.discount.apply_to_items_by_quantity",
    "campaign.referral_program.discount.fixed.apply_to_items",
    "campaign.referral_program.discount.percent.apply_to_items",
    "campaign.promotion",
    "campaign.promotion.discount.apply_to_order",
    "campaign.promotion.discount.apply_to_items",
    "campaign.promotion.discount.apply_to_items_proportionally",
    "campaign.promotion.discount.apply_to_items_proportionally_by_quantity",
    "campaign.promotion.discount.apply_to_items_by_quantity",
    "campaign.promotion.discount.fixed.apply_to_items",
    "campaign.promotion.discount.percent.apply_to_items",
    "campaign.loyalty_program",
    "voucher.discount_voucher",
    "voucher.discount_voucher.discount.apply_to_order",
    "voucher.discount_voucher.discount.apply_to_items",
    "voucher.discount_voucher.discount.apply_to_items_proportionally",
    "voucher.discount_voucher.discount.apply_to_items_proportionally_by_quantity",
    "voucher.discount_voucher.discount.apply_to_items_by_quantity",
    "voucher.discount_voucher.discount.fixed.apply_to_items",
    "voucher.discount_voucher.discount.percent.apply_to_items",
    "voucher.gift_voucher",
    "voucher.gift_voucher.gift.apply_to_order",
    "voucher.gift_voucher.gift.apply_to_items",
    "voucher.loyalty_card",
    "distribution.custom_event",
    "distribution.order.paid",
    "distribution.order.created",
    "distribution.order.canceled",
    "distribution.order.updated",
    "reward_assignment.pay_with_points",
    "global",
]
RelatedType = Literal[
    "voucher", "campaign", "earning_rule", "reward_assignment", "promotion_tier", "distribution"
]


class ValidationRuleFields(RequestBody):
    rules: Any = None
    bundle_rules: Any = None
    error: Any = None
    applicable_to: Any = None
    type: RuleType | None = None
    context_type: ContextType | None = None


class ValidationRuleCreate(ValidationRuleFields):
    name: StrictStr = Field(min_length=1, max_length=200)


class ValidationRuleUpdate(ValidationRuleFields):
    """PUT: the fields sent replace the stored ones (`bundle_rules: null` clears)."""

    name: StrictStr | None = Field(default=None, min_length=1, max_length=200)


class AssignmentCreate(RequestBody):
    # Voucherify's default type is `voucher`.
    related_object_type: RelatedType | None = None
    related_object_id: StrictStr = Field(min_length=1, max_length=200)
