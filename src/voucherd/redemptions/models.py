"""Redemptions and their rollbacks (`r_…`, `rr_…`), in one table as Voucherify lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, metadata_column, project_column


class Redemption(Base):
    __tablename__ = "redemptions"
    __table_args__ = (
        Index("ix_redemptions_project_voucher", "project_id", "voucher_id"),
        Index("ix_redemptions_project_customer", "project_id", "customer_id"),
        Index("ix_redemptions_project_order", "project_id", "order_id"),
        # Reports by period (the console's home page).
        Index("ix_redemptions_project_created", "project_id", "created_at"),
        # A campaign's redemptions newest first (the console's campaign page).
        Index("ix_redemptions_campaign_id_id", "campaign_id", "id"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    object: Mapped[str] = mapped_column(String(32), default="redemption")
    # Children of a stacked redemption point at their parent; a rollback at what it undoes.
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16))  # SUCCEEDED | FAILED | ROLLED_BACK
    result: Mapped[str] = mapped_column(String(16))  # SUCCESS | FAILURE
    related_object_type: Mapped[str] = mapped_column(String(32))  # voucher | redemption
    related_object_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    voucher_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    amount: Mapped[int] = mapped_column(default=0)  # discount or credits in cents, or points
    gift_credits: Mapped[int] = mapped_column(default=0)
    points: Mapped[int] = mapped_column(default=0)
    # What this redemption took from the order, to give it back on rollback:
    # {"order": cents, "items": {"<line index>": cents}}.
    applied: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    order_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    reward: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    tracking_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    failure_code: Mapped[str | None] = mapped_column(String(100), nullable=True)
    failure_message: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()
