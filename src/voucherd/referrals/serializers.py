"""Referral bodies on the wire: `RedeemableHolder`, referrer reward tiers."""

from __future__ import annotations

from typing import Any

from voucherd.campaigns.models import Campaign
from voucherd.kit.timefmt import iso
from voucherd.referrals.models import RedeemableHolder, ReferralRewardTier
from voucherd.vouchers.models import Voucher


def holder_body(holder: RedeemableHolder, campaign: Campaign, voucher: Voucher) -> dict[str, Any]:
    """Voucherify's `RedeemableHolder` (`rh_…`)."""
    return {
        "id": holder.id,
        "created_at": iso(holder.created_at),
        "redeemable_id": holder.voucher_id,
        "redeemable_object": "voucher",
        "customer_id": holder.customer_id,
        "holder_role": holder.holder_role,
        "campaign_id": campaign.id,
        "campaign_type": campaign.campaign_type,
        "voucher_type": voucher.type,
        "metadata": holder.metadata_ or {},
        "object": "redeemable_holder",
    }


def simple_holder(holder: RedeemableHolder, campaign: Campaign, voucher: Voucher) -> dict[str, Any]:
    """The webhook's `SimpleRedeemableHolder` (a holder added by the API has no publication)."""
    return holder_body(holder, campaign, voucher) | {"publication_id": None}


def _parameters(tier: ReferralRewardTier) -> dict[str, Any]:
    return {
        "event_type": tier.event_type,
        "referrals": tier.referrals,
        "segment": None,
        "custom_event": None,
        "distribution": None,
    }


def simple_referral_tier(tier: ReferralRewardTier) -> dict[str, Any]:
    """The webhook's `SimpleReferralTier` (in `customer.rewarded`)."""
    return {
        "id": tier.id,
        "campaign_id": tier.campaign_id,
        "banner": tier.banner,
        "parameters": _parameters(tier),
    }


def tier_body(tier: ReferralRewardTier) -> dict[str, Any]:
    return {
        "id": tier.id,
        "object": "referral_tier",
        "campaign_id": tier.campaign_id,
        "name": tier.name,
        "banner": tier.banner,
        "parameters": _parameters(tier),
        "reward": dict(tier.reward),
        "created_at": iso(tier.created_at),
        "updated_at": iso(tier.updated_at),
    }
