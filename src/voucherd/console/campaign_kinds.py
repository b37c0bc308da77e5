"""The console forms of PROMOTION and REFERRAL_PROGRAM campaigns, registered in `KINDS`: read
into the same `POST /v1/campaigns` bodies the API takes (`promotion.tiers`,
`referral_program`). Pure: no database, no HTTP; every check stays in the API's schemas and
services. Tier and reward-tier forms of a campaign's page are read here too.
"""

from __future__ import annotations

from typing import Any

from voucherd.console import campaign_forms as forms
from voucherd.console.campaign_forms import Errors, Form, int_or_raw, text

# Tier rows on a new promotion's form (more are added on the campaign's page).
TIER_ROWS = 3
CONVERSION_EVENTS = ("redemption", "custom_event")
REFEREE_REWARDS = {"LOYALTY_CARD": "Loyalty points", "GIFT_VOUCHER": "Gift card credits (cents)"}
REWARD_TYPES = {
    "LOYALTY_POINTS": "Loyalty points",
    "GIFT_CREDITS": "Gift card credits (cents)",
    "COUPON": "A coupon",
}
# The campaign type each referrer reward and referee reward draws from (as the services say).
REWARD_SOURCES = {
    "LOYALTY_POINTS": "LOYALTY_PROGRAM",
    "GIFT_CREDITS": "GIFT_VOUCHERS",
    "COUPON": "DISCOUNT_COUPONS",
}


def tier_body(form: Form, suffix: str = "") -> dict[str, Any]:
    """A `TierCreate` body from the fields `tier_<name><suffix>`."""
    discount = forms._discount(
        {
            "discount_type": text(form, f"tier_discount_type{suffix}"),
            "discount_value": text(form, f"tier_discount_value{suffix}"),
        }
    )
    body: dict[str, Any] = {
        "name": text(form, f"tier_name{suffix}"),
        "action": {"discount": discount},
    }
    body["banner"] = text(form, f"tier_banner{suffix}") or None
    rule = text(form, f"tier_rule{suffix}")
    if rule:
        body["validation_rules"] = [rule]
    return body


def _filled(form: Form, suffix: str) -> bool:
    return any(
        text(form, f"tier_{f}{suffix}") for f in ("name", "banner", "discount_value", "rule")
    )


def _promotion(form: Form, errors: Errors) -> dict[str, Any]:
    tiers = [tier_body(form, f"_{i}") for i in range(1, TIER_ROWS + 1) if _filled(form, f"_{i}")]
    if not tiers:
        errors["tier_name_1"] = "A promotion gives its discounts through tiers: give at least one."
    body: dict[str, Any] = {"promotion": {"tiers": tiers}}
    if text(form, "category"):
        body["category"] = text(form, "category")
    return body


def _referral(form: Form, errors: Errors) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "conversion_event_type": text(form, "conversion_event_type") or "redemption"
    }
    if spec["conversion_event_type"] == "custom_event":
        spec["custom_event"] = {"name": text(form, "custom_event_name") or None}
    reward = text(form, "referee_reward_type")
    if reward:
        spec["referee_reward"] = {
            "type": reward,
            "related_object_parent": {"id": text(form, "referee_reward_campaign")},
            "amount": int_or_raw(text(form, "referee_reward_amount")),
        }
    return {"referral_program": spec}


def reward_tier_body(form: Form) -> dict[str, Any]:
    """A `RewardTierCreate` body (`/v1/referrals/{id}/reward-tiers`)."""
    reward_type = text(form, "reward_type")
    reward: dict[str, Any] = {"type": reward_type, "campaign_id": text(form, "reward_campaign")}
    quantity = text(form, "reward_quantity")
    if quantity and reward_type == "LOYALTY_POINTS":
        reward["points"] = int_or_raw(quantity)
    elif quantity and reward_type == "GIFT_CREDITS":
        reward["amount"] = int_or_raw(quantity)
    event_type = text(form, "event_type") or "each"
    referrals = text(form, "referrals")
    parameters: dict[str, Any] = {"event_type": event_type}
    if referrals:
        parameters["referrals"] = int_or_raw(referrals)
    return {
        "name": text(form, "name"),
        "banner": text(form, "banner") or None,
        "parameters": parameters,
        "reward": reward,
    }


forms.register(
    forms.CampaignKind(
        "PROMOTION",
        "Promotion",
        "promotion",
        voucher=lambda form: {},
        update=lambda form: {},
        values=lambda template: {},
        codes=False,
        extra=_promotion,
    )
)
forms.register(
    forms.CampaignKind(
        "REFERRAL_PROGRAM",
        "Referral program",
        "referral",
        voucher=lambda form: {"type": "DISCOUNT_VOUCHER", "discount": forms._discount(form)},
        update=lambda form: {"discount": forms._discount(form)},
        values=forms._discount_values,
        extra=_referral,
    )
)
