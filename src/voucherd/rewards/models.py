"""Rewards (`rew_…`), their assignments to programs (`rewa_…`), reward redemptions (`rewr_…`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import (
    created_at_column,
    id_column,
    metadata_column,
    project_column,
    updated_at_column,
)


class Reward(Base):
    __tablename__ = "rewards"

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    name: Mapped[str] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(16))  # CAMPAIGN | COIN | MATERIAL
    # {campaign: {id, balance?, type}} | {coin: {exchange_ratio, points_ratio}}
    # | {product: {id, sku_id}}
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stock: Mapped[int | None] = mapped_column(nullable=True)  # None = unlimited
    # Changed only by a conditional UPDATE (`redeemed < stock`), so stock never goes negative.
    redeemed: Mapped[int] = mapped_column(default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()


class RewardAssignment(Base):
    __tablename__ = "reward_assignments"
    __table_args__ = (UniqueConstraint("reward_id", "campaign_id"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    reward_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("rewards.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    points: Mapped[int | None] = mapped_column(nullable=True)  # COIN rewards have no fixed cost
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()


class RewardRedemption(Base):
    __tablename__ = "reward_redemptions"

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    voucher_id: Mapped[str] = mapped_column(String(64), index=True)  # the loyalty card
    campaign_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    reward_id: Mapped[str] = mapped_column(String(64))
    reward_assignment_id: Mapped[str] = mapped_column(String(64))
    # The `r_…` redemption that paid for it (Voucherify's source_type "redemption").
    redemption_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))  # CREATED | PENDING | COMPLETED | ROLLEDBACK
    points: Mapped[int] = mapped_column(default=0)
    # What the reward produced, for events and rollback: issued voucher, publication, product.
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
