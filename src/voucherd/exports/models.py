"""An export (`exp_…`): what to export, its progress, and where its CSV file lies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column, updated_at_column


class Export(Base):
    __tablename__ = "exports"
    # The worker's claim looks for SCHEDULED exports and IN_PROGRESS ones whose lease ran out.
    __table_args__ = (Index("ix_exports_status_lease_until", "status", "lease_until"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    status: Mapped[str] = mapped_column(String(16))  # SCHEDULED | IN_PROGRESS | DONE | ERROR
    channel: Mapped[str] = mapped_column(String(16), default="API")
    exported_object: Mapped[str] = mapped_column(String(32))
    # The parameters as the client sent them (normalised), echoed on every read.
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What a shortcut (`/v1/campaigns/{id}/transactions/export`, a member's export) narrows
    # the export to, ANDed with any filters: {"campaign_id": …} or {"voucher_id": …}.
    scope: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    # Signs this export's download tokens: deleting the export voids every link to it.
    download_key: Mapped[str] = mapped_column(String(64))
    # Relative to the data directory; set when the file is complete.
    file_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    row_count: Mapped[int | None] = mapped_column(nullable=True)
    error: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # Runs started: a file that crashes its worker every time ends as ERROR, not in a loop.
    attempts: Mapped[int] = mapped_column(default=0)
    lease_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
