"""Promotion tiers (`promo_…`) and promotion stacks (`stack_…`) of PROMOTION campaigns.

A tier is a redeemable without a code: the discount applies to any cart its rules accept.
The campaign row (campaigns.models.Campaign, `campaign_type = "PROMOTION"`) carries the
shared dates, windows and category; a tier's own dates narrow them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucherd.categories.models import Category
from voucherd.kit.db import Base
from voucherd.kit.models import (
    created_at_column,
    id_column,
    metadata_column,
    project_column,
    updated_at_column,
)


class PromotionTier(Base):
    __tablename__ = "promotion_tiers"
    __table_args__ = (
        # Candidates of qualifications and of the deprecated promotions validation: the
        # project's live tiers, lowest hierarchy first, in one indexed range.
        Index("ix_promotion_tiers_project_live", "project_id", "deleted", "active", "hierarchy"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    campaign_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(500))
    banner: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # {"discount": {...}} as Voucherify's `action`; the discount is a V§d discount object.
    action: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    hierarchy: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    # Deleted tiers stay for the redemptions that name them, but never qualify or redeem.
    deleted: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[datetime | None] = mapped_column(nullable=True)
    expiration_date: Mapped[datetime | None] = mapped_column(nullable=True)
    validity_timeframe: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    validity_day_of_week: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    validity_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    category_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Joined into every read (as a campaign's): stacking rules decide by the category.
    category_ref: Mapped[Category | None] = relationship(
        Category,
        primaryjoin="foreign(PromotionTier.category_id) == Category.id",
        lazy="joined",
        innerjoin=False,
    )
    # `summary`: changed by relative UPDATEs in the redemption's transaction (and given
    # back by a rollback), never read-then-written.
    redeemed_quantity: Mapped[int] = mapped_column(default=0)
    total_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    total_discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()


class PromotionStack(Base):
    __tablename__ = "promotion_stacks"

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    campaign_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(500))
    # {"ids": ["promo_…", …] (1..30, in application order), "hierarchy_mode": "MANUAL"}
    tiers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    category_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
