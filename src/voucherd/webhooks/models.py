"""Webhook endpoints, the send-out per (event, endpoint), one row per HTTP attempt, and the
project's signing secrets during a rotation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column, updated_at_column

PENDING = "PENDING"
DELIVERING = "DELIVERING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
SENDOUT_STATUSES = (PENDING, DELIVERING, SUCCEEDED, FAILED)
# Send-outs that still have work to do; a partial index keeps claiming fast however many
# delivered rows pile up.
OPEN_STATUSES = (PENDING, DELIVERING)
_OPEN_ROWS = text("status IN ('PENDING', 'DELIVERING')")


class WebhookEndpoint(Base):
    """A project-level webhook (Voucherify's Management API `wh_…`)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    target_url: Mapped[str] = mapped_column(String(2048))
    # Event names as the client sent them (echoed back); matching folds the `…aded` aliases.
    events: Mapped[list[Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    # Extra HTTP headers sent with every delivery, {name: value}.
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
    # The delivery lane: one worker at a time owns an endpoint (token + lease), which is what
    # keeps per-endpoint delivery in commit order across processes. An expired lease means the
    # owner died; its DELIVERING send-outs are claimable again.
    lane_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lane_lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    # Endpoints are claimed least-recently-served first, so busy ones cannot starve others.
    lane_claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WebhookSendout(Base):
    """One event bound for one endpoint (`whs_…`): the delivery state machine."""

    __tablename__ = "webhook_sendouts"
    __table_args__ = (
        Index("ix_webhook_sendouts_status_next_attempt_at", "status", "next_attempt_at"),
        Index(
            "ix_webhook_sendouts_open_by_endpoint",
            "endpoint_id",
            "seq",
            postgresql_where=_OPEN_ROWS,
            sqlite_where=_OPEN_ROWS,
        ),
        Index("ix_webhook_sendouts_project_id_id", "project_id", "id"),
    )

    # Insertion order: the order of delivery per endpoint. Ids are time-ordered only to the
    # millisecond (then random), so they cannot order two events of the same request.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(String(64), unique=True)
    project_id: Mapped[str] = project_column()
    endpoint_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    # All attempts ever made, and those made since the retry schedule last started (a manual
    # replay of a failed send-out starts a fresh schedule).
    attempts: Mapped[int] = mapped_column(default=0)
    schedule_attempts: Mapped[int] = mapped_column(default=0)
    first_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column()
    last_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Which lane claimed it: a result is recorded only by the lane that still owns the row.
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = created_at_column()


class WebhookAttempt(Base):
    """One HTTP POST of a send-out, successful or not."""

    __tablename__ = "webhook_attempts"

    id: Mapped[str] = id_column()
    sendout_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("webhook_sendouts.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    attempted_at: Mapped[datetime] = mapped_column()
    succeeded: Mapped[bool] = mapped_column()
    status_code: Mapped[int | None] = mapped_column(nullable=True)
    latency_ms: Mapped[int] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    response_excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)


class WebhookSecret(Base):
    """A project's signing secret after its first rotation, and the previous one's grace period.

    Until the first rotation the project's own `webhook_secret` signs (projects belong to the
    foundation; this table keeps the rotation state in the webhooks domain).
    """

    __tablename__ = "webhook_secrets"

    project_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(200))
    previous_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    previous_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    rotated_at: Mapped[datetime] = mapped_column()
