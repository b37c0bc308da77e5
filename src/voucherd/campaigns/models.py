"""Campaigns: the template their vouchers are made from, and the rules they share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
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


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(5000), nullable=True)
    campaign_type: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(16), default="AUTO_UPDATE")
    # The voucher template: {type, discount, gift, loyalty_card, redemption, code_config}.
    voucher: Mapped[dict[str, Any]] = mapped_column(JSON)
    auto_join: Mapped[bool] = mapped_column(default=False)
    join_once: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    start_date: Mapped[datetime | None] = mapped_column(nullable=True)
    expiration_date: Mapped[datetime | None] = mapped_column(nullable=True)
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Joined into every read of a campaign (one LEFT JOIN, no extra round trip): its body
    # shows the category's name and `categories[]`, including on the redemption path.
    # `category` (the name column above) is no longer read; the category row is the truth.
    category_ref: Mapped[Category | None] = relationship(
        Category,
        primaryjoin="foreign(Campaign.category_id) == Category.id",
        lazy="joined",
        innerjoin=False,
    )
    # Loyalty programs (legacy v1): tier expiration settings, kept as sent.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Recurring windows (kit/validity.py); None = none. A campaign's apply to all its codes.
    validity_timeframe: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    validity_day_of_week: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    validity_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    vouchers_count: Mapped[int] = mapped_column(default=0)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
