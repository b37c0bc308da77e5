"""Console users (`usr_…`), their sessions and the audit log of what they changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column

ROLES = ("admin", "editor", "viewer")


class ConsoleUser(Base):
    __tablename__ = "console_users"

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    # Stored lower-cased: one account per address, whatever case it is typed in.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # admin | editor | viewer
    # Login throttling: failures since the last success, and a lock they cause.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = created_at_column()


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    # The SHA-256 of the cookie's token: a database dump does not log anyone in.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("console_users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column()


class AuditEntry(Base):
    __tablename__ = "console_audit"
    __table_args__ = (Index("ix_console_audit_project_id_id", "project_id", "id"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    # Kept when the user is deleted: the log says who it was.
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))  # e.g. "login", "campaign.update"
    object_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = created_at_column()
