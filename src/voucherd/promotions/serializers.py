"""Promotion tiers and stacks on the wire (spec `PromotionTier`, `PromotionStack`; events: WH
`PromotionTier`, `SimplePromotionTier`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voucherd.campaigns.models import Campaign
from voucherd.categories.models import Category
from voucherd.categories.serializers import category_body
from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent
from voucherd.promotions.models import PromotionStack, PromotionTier
from voucherd.rules.models import ValidationRuleAssignment
from voucherd.rules.serializers import embedded_assignments

# Voucherify's examples leave out unset dates and windows (kit/wire.py), on the tier and on
# its `campaign`.
WINDOWS_OMITTED_WHEN_ABSENT = (
    "start_date",
    "expiration_date",
    "validity_timeframe",
    "validity_day_of_week",
    "validity_hours",
)
TIER_OMITTED_WHEN_ABSENT = (*WINDOWS_OMITTED_WHEN_ABSENT, "updated_at")
STACK_OMITTED_WHEN_ABSENT = ("updated_at",)


def _tier_campaign(campaign: Campaign) -> dict[str, Any]:
    body = {
        "id": campaign.id,
        "start_date": iso(campaign.start_date),
        "expiration_date": iso(campaign.expiration_date),
        "validity_timeframe": campaign.validity_timeframe,
        "validity_day_of_week": campaign.validity_day_of_week,
        "validity_hours": campaign.validity_hours,
        "active": campaign.active,
        "category_id": campaign.category_id,
        "object": "campaign",
    }
    return omit_absent(body, WINDOWS_OMITTED_WHEN_ABSENT)


def tier_body(
    tier: PromotionTier,
    campaign: Campaign,
    *,
    assignments: Sequence[ValidationRuleAssignment] = (),
    categories: Sequence[Category] = (),
) -> dict[str, Any]:
    """The full Voucherify `PromotionTier`; `categories`: the tier's category, if any."""
    body = {
        "id": tier.id,
        "created_at": iso(tier.created_at),
        "updated_at": iso(tier.updated_at),
        "name": tier.name,
        "banner": tier.banner,
        "action": tier.action or {},
        "metadata": tier.metadata_ or {},
        "hierarchy": tier.hierarchy,
        "promotion_id": tier.campaign_id,
        "campaign": _tier_campaign(campaign),
        "campaign_id": tier.campaign_id,
        "active": tier.active,
        "start_date": iso(tier.start_date),
        "expiration_date": iso(tier.expiration_date),
        "validity_timeframe": tier.validity_timeframe,
        "validity_day_of_week": tier.validity_day_of_week,
        "validity_hours": tier.validity_hours,
        "summary": {
            "redemptions": {"total_redeemed": tier.redeemed_quantity},
            "orders": {
                "total_amount": tier.total_amount,
                "total_discount_amount": tier.total_discount_amount,
            },
        },
        "object": "promotion_tier",
        "validation_rule_assignments": embedded_assignments(assignments),
        "category_id": tier.category_id,
        "categories": [category_body(c) for c in categories],
    }
    return omit_absent(body, TIER_OMITTED_WHEN_ABSENT)


def simple_tier(tier: PromotionTier) -> dict[str, Any]:
    """WH `SimplePromotionTier` (rule assignment events, redemption payloads)."""
    return {
        "id": tier.id,
        "name": tier.name,
        "banner": tier.banner,
        "campaign": {"id": tier.campaign_id},
        "metadata": tier.metadata_ or {},
    }


def tiers_list(tiers: Sequence[dict[str, Any]], total: int, *, has_more: bool) -> dict[str, Any]:
    """`PromotionTiersList`: a tier list, and a PROMOTION campaign's `promotion`."""
    return {
        "object": "list",
        "data_ref": "tiers",
        "tiers": list(tiers),
        "total": total,
        "has_more": has_more,
    }


def stack_body(stack: PromotionStack, categories: Sequence[Category] = ()) -> dict[str, Any]:
    tiers = stack.tiers or {}
    body = {
        "id": stack.id,
        "name": stack.name,
        "tiers": {"ids": list(tiers.get("ids") or []), "hierarchy_mode": "MANUAL"},
        "created_at": iso(stack.created_at),
        "updated_at": iso(stack.updated_at),
        "campaign_id": stack.campaign_id,
        "object": "promotion_stack",
        "category_id": stack.category_id,
        "categories": [category_body(c) for c in categories],
    }
    return omit_absent(body, STACK_OMITTED_WHEN_ABSENT)
