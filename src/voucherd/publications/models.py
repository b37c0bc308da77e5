"""Publications: a code given to a customer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, metadata_column, project_column


class Publication(Base):
    __tablename__ = "publications"
    # A publication's source_id makes retries idempotent: the same source_id, the same code.
    __table_args__ = (
        UniqueConstraint("project_id", "source_id"),
        # A campaign's publications newest first (the console's campaign page).
        Index("ix_publications_campaign_id_id", "campaign_id", "id"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    voucher_id: Mapped[str] = mapped_column(String(64), index=True)
    voucher_code: Mapped[str] = mapped_column(String(300))
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(32), default="API")
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tracking_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()
