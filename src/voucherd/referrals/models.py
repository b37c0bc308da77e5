"""Referral programs: who referred whom (conversions), code holders, and referrer reward tiers.

A campaign's program settings (conversion event, referee reward) live in the campaign row
(`Campaign.extra["referral_program"]`); these tables hold what happens in the program.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import (
    created_at_column,
    id_column,
    metadata_column,
    project_column,
    updated_at_column,
)


def _campaign_column() -> Mapped[str]:
    return mapped_column(String(64), ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)


class Referral(Base):
    """A referee's conversion in a campaign: at most one per (campaign, referee), which the
    unique key guarantees even for concurrent conversions (the second inserts nothing)."""

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("campaign_id", "referee_id", name="uq_referrals_campaign_referee"),
        Index("ix_referrals_campaign_referrer", "campaign_id", "referrer_id"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    campaign_id: Mapped[str] = _campaign_column()
    voucher_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    referrer_id: Mapped[str] = mapped_column(String(64))
    referee_id: Mapped[str] = mapped_column(String(64), index=True)
    # "redemption" (r_…) or "custom_event" (evcus_…).
    related_object_type: Mapped[str] = mapped_column(String(32))
    related_object_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()


class RedeemableHolder(Base):
    """A customer holding a referral code as a REFEREE (`rh_…`, `/v1/referrals/…/holders`)."""

    __tablename__ = "redeemable_holders"
    __table_args__ = (
        UniqueConstraint("voucher_id", "customer_id", "holder_role", name="uq_redeemable_holders"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    campaign_id: Mapped[str] = _campaign_column()
    voucher_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("vouchers.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    holder_role: Mapped[str] = mapped_column(String(16))
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()


class ReferralRewardTier(Base):
    """Our own API (Voucherify configures these in its dashboard only): what a referrer gets
    for each unique referee (`each`) or once they reach `referrals` unique referees
    (`at_least`)."""

    __tablename__ = "referral_reward_tiers"

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    campaign_id: Mapped[str] = _campaign_column()
    name: Mapped[str] = mapped_column(String(200))
    banner: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    event_type: Mapped[str] = mapped_column(String(16))
    referrals: Mapped[int] = mapped_column(default=1)
    # {type: LOYALTY_POINTS|GIFT_CREDITS|COUPON, campaign_id, points|amount}
    reward: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()


class ReferralRewardGrant(Base):
    """A tier's reward given to a referrer: once per referee for `each` (grant_key = referee
    id), once in all for `at_least` (grant_key = "*"). The unique key makes "give it once" a
    conditional INSERT."""

    __tablename__ = "referral_reward_grants"
    __table_args__ = (
        UniqueConstraint("tier_id", "referrer_id", "grant_key", name="uq_referral_reward_grants"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    tier_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("referral_reward_tiers.id", ondelete="CASCADE"), index=True
    )
    referrer_id: Mapped[str] = mapped_column(String(64))
    grant_key: Mapped[str] = mapped_column(String(64))
    # What was handed over: {voucher_id, points|amount}.
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()
