"""Projects (tenants) and the API keys that act for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200))
    # Signs outgoing webhooks (x-voucherify-signature); rotated with a grace period.
    webhook_secret: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at_column()


class ApiKey(Base):
    """An App key (project-scoped, `X-App-Id`), a client key (project-scoped,
    `X-Client-Application-Id`, publishable: it sits in a shop's web pages) or a Management key
    (`X-Management-Id`)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(16))  # "app" | "client" | "management"
    project_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("projects.id", ondelete="CASCADE"), nullable=True, index=True
    )
    key_id: Mapped[str] = mapped_column(String(200), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="Primary")
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None, nullable=True)
    # Client keys only: {"origins": [...] ("*" = any), "allow_redeem": bool,
    # "allow_publish": bool}. The risky calls are off unless the operator turns them on.
    client_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
