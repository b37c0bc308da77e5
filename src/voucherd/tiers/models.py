"""Loyalty tiers (`ltr_…`): points ranges of a program with their own multipliers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import (
    created_at_column,
    id_column,
    metadata_column,
    project_column,
    updated_at_column,
)


class LoyaltyTier(Base):
    __tablename__ = "loyalty_tiers"

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    campaign_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(500))
    points_from: Mapped[int] = mapped_column()
    points_to: Mapped[int | None] = mapped_column(nullable=True)  # None = no upper bound
    # {ern_id: {type MULTIPLY, multiplier} | {type CUSTOM, points}}, as Voucherify's MappingPoints.
    earning_rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rewards: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
