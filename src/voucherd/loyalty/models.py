"""Pending points: earned, held back until `activates_at`, then activated or cancelled."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column, updated_at_column


class PendingPoints(Base):
    __tablename__ = "loyalty_pending_points"
    __table_args__ = (
        # One entry per card, rule and order: a retried order.paid cannot hold points twice.
        UniqueConstraint("voucher_id", "earning_rule_id", "order_id"),
        # The activation job looks for due entries that are still pending.
        Index("ix_pending_points_status_activates", "status", "activates_at"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    voucher_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("vouchers.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    earning_rule_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    points: Mapped[int] = mapped_column()
    activates_at: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="PENDING")  # | ACTIVATED | CANCELED
    # Voucherify's `LoyaltyPendingPointsDetails`: event, earning_rule, order, holder tier.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
