"""Products and their SKUs (variants)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import (
    created_at_column,
    id_column,
    metadata_column,
    project_column,
    updated_at_column,
)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("project_id", "source_id"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    price: Mapped[int | None] = mapped_column(nullable=True)
    attributes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    image_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()


class Sku(Base):
    __tablename__ = "skus"
    __table_args__ = (UniqueConstraint("project_id", "source_id"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    product_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sku: Mapped[str | None] = mapped_column(String(500), nullable=True)
    price: Mapped[int | None] = mapped_column(nullable=True)
    currency: Mapped[str | None] = mapped_column(String(16), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    image_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
