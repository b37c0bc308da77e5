"""The event log, which is also the outbox: one row per thing that happened, written in the
same transaction as the change it describes, never updated afterwards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_project_type_created", "project_id", "type", "created_at"),
        # A customer's and a loyalty card's activity (`GET /v1/customers/{id}/activity`),
        # newest first; partial: most events name no customer or card.
        Index(
            "ix_events_customer",
            "project_id",
            "customer_id",
            "id",
            postgresql_where=text("customer_id IS NOT NULL"),
            sqlite_where=text("customer_id IS NOT NULL"),
        ),
        Index(
            "ix_events_voucher",
            "project_id",
            "voucher_id",
            "id",
            postgresql_where=text("voucher_id IS NOT NULL"),
            sqlite_where=text("voucher_id IS NOT NULL"),
        ),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    type: Mapped[str] = mapped_column(String(120))
    entity_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # The API request that caused it (Voucherify's `group_id`, `v-…`).
    group_id: Mapped[str] = mapped_column(String(64))
    event_source: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The webhook `data` object, shaped exactly like Voucherify's payload schema for `type`.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Read off `data` when the event is recorded (`data.customer.id`, `data.voucher.id`), so
    # activity lists are index range scans rather than searches through JSON.
    customer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    voucher_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = created_at_column()
