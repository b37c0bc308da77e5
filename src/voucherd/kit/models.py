"""Column helpers shared by every domain's models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.clock import utcnow


def id_column() -> Mapped[str]:
    return mapped_column(String(64), primary_key=True)


def project_column() -> Mapped[str]:
    """Every business row belongs to one project; queries always filter on it."""
    return mapped_column(String(64), ForeignKey("projects.id", ondelete="CASCADE"), index=True)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(default=utcnow)


def updated_at_column() -> Mapped[datetime | None]:
    return mapped_column(default=None, nullable=True)


def metadata_column() -> Mapped[dict[str, Any]]:
    # `metadata` is reserved by SQLAlchemy's declarative base, hence the attribute name.
    return mapped_column("metadata", JSON, default=dict)
