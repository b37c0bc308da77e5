"""Customers, with the counters Voucherify shows in `summary`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import (
    created_at_column,
    id_column,
    metadata_column,
    project_column,
    updated_at_column,
)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("project_id", "source_id"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    email: Mapped[str | None] = mapped_column(String(500), nullable=True, index=True)
    phone: Mapped[str | None] = mapped_column(String(100), nullable=True)
    birthdate: Mapped[date | None] = mapped_column(nullable=True)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    # Summary counters, moved by atomic increments (see repository.bump_*).
    orders_total_amount: Mapped[int] = mapped_column(default=0)
    orders_total_count: Mapped[int] = mapped_column(default=0)
    last_order_amount: Mapped[int | None] = mapped_column(nullable=True)
    last_order_date: Mapped[datetime | None] = mapped_column(nullable=True)
    redemptions_succeeded: Mapped[int] = mapped_column(default=0)
    redemptions_failed: Mapped[int] = mapped_column(default=0)
    redemptions_rolled_back: Mapped[int] = mapped_column(default=0)
    gift_redeemed_amount: Mapped[int] = mapped_column(default=0)
    loyalty_redeemed_points: Mapped[int] = mapped_column(default=0)
    # The referee's `referrals {total, campaigns[]}`, kept by referrals/ (None = never referred).
    referrals: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
