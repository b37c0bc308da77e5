"""Tiers on the wire: Voucherify's `LoyaltyTier` and `LoyaltiesLoyaltyTierReward`."""

from __future__ import annotations

from datetime import date
from typing import Any

from voucherd.earning.models import EarningRule
from voucherd.earning.serializers import earning_rule_body
from voucherd.kit.timefmt import iso, iso_date
from voucherd.rewards.models import Reward, RewardAssignment
from voucherd.rewards.serializers import assignment_body, reward_body
from voucherd.tiers.models import LoyaltyTier


def tier_body(tier: LoyaltyTier) -> dict[str, Any]:
    points = {"from": tier.points_from, "to": tier.points_to}
    return {
        "id": tier.id,
        "name": tier.name,
        "campaign_id": tier.campaign_id,
        "metadata": tier.metadata_ or {},
        "created_at": iso(tier.created_at),
        "updated_at": iso(tier.updated_at),
        "earning_rules": tier.earning_rules or {},
        "rewards": tier.rewards or {},
        "config": {"points": dict(points)},
        "points": points,
        "object": "loyalty_tier",
    }


def member_tier_body(
    tier: LoyaltyTier, *, customer_id: str | None, expires_on: date | None
) -> dict[str, Any]:
    """A member's tier, with its `LoyaltyTierExpiration` for that member."""
    body = tier_body(tier)
    body["expiration"] = {
        "customer_id": customer_id,
        "campaign_id": tier.campaign_id,
        "tier_id": tier.id,
        # The moment a member entered a tier is only kept in the event log.
        "start_date": None,
        "expiration_date": iso_date(expires_on),
        "created_at": None,
        "updated_at": None,
    }
    return body


def tier_earning_rule_body(rule: EarningRule, loyalty: dict[str, Any]) -> dict[str, Any]:
    """Voucherify's `EarningRule`, with `loyalty` as the tier sees it."""
    return {**earning_rule_body(rule), "loyalty": loyalty}


def tier_reward_body(
    reward: Reward, assignment: RewardAssignment, points: int | None
) -> dict[str, Any]:
    """`LoyaltiesLoyaltyTierReward`: the assignment's points cost is the tier's `points`."""
    assigned = assignment_body(assignment)
    if points is not None:
        parameters = dict(assigned.get("parameters") or {})
        parameters["loyalty"] = {**(parameters.get("loyalty") or {}), "points": points}
        assigned["parameters"] = parameters
    return {"reward": reward_body(reward), "assignment": assigned, "object": "loyalty_tier_reward"}
