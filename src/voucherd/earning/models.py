"""Earning rules (`ern_…`): which event earns how many points in a loyalty program."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import (
    created_at_column,
    id_column,
    metadata_column,
    project_column,
    updated_at_column,
)


class EarningRule(Base):
    __tablename__ = "earning_rules"
    # Earning looks up the active rules for an event across a project's programs.
    __table_args__ = (Index("ix_earning_rules_project_event", "project_id", "event"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    campaign_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    # `order.paid`, `customer.segment.entered`, `customer.loyalty.tier.*` or a custom event name.
    event: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Voucherify's `loyalty` object as sent: FIXED {points, points_formula} or PROPORTIONAL.
    loyalty: Mapped[dict[str, Any]] = mapped_column(JSON)
    pending_points: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {banner, object_id, …}
    loyalty_tier: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    custom_event: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    segment: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    expiration_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    validity_timeframe: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    validity_day_of_week: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    validity_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    start_date: Mapped[datetime | None] = mapped_column(nullable=True)
    expiration_date: Mapped[datetime | None] = mapped_column(nullable=True)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
