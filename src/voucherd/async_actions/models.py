"""An async action: its input, where the worker has got to, and what it has done so far."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column

ENQUEUED = "ENQUEUED"
IN_PROGRESS = "IN_PROGRESS"
DONE = "DONE"
FAILED = "FAILED"


class AsyncAction(Base):
    __tablename__ = "async_actions"
    __table_args__ = (
        # The worker looks for open actions, oldest first (FIFO between actions).
        Index("ix_async_actions_status_created", "status", "created_at"),
        Index("ix_async_actions_project_created", "project_id", "created_at"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    type: Mapped[str] = mapped_column(String(64))  # Voucherify's AsyncActionBase.type
    status: Mapped[str] = mapped_column(String(16), default=ENQUEUED)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # What the action works on (a CSV file's text, a JSON array), read only by the worker:
    # deferred so that listing actions never loads megabytes of input.
    payload: Mapped[str] = mapped_column(Text, deferred=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Units of work (rows) committed so far: a worker that takes the action over resumes here.
    # It moves only in the transaction that writes those rows (see runner.py).
    position: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    done_count: Mapped[int] = mapped_column(default=0)
    failed_count: Mapped[int] = mapped_column(default=0)
    # The first failures, each {row, code|source_id, field, reason} (capped; see runner.py).
    failed: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # A message of an action that failed as a whole (a bug, an input it could not read).
    error: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    # The lease of the worker running it: a killed worker's action is taken over after expiry.
    lease_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
