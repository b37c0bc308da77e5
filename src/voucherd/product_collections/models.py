"""Product collections: a STATIC list of products / SKUs or an AUTO_UPDATE filter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column


class ProductCollection(Base):
    __tablename__ = "product_collections"
    # Voucherify: the name is unique in a project.
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    # STATIC: [{id, object, product_id?}], frozen after creation (there is no update).
    products: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # AUTO_UPDATE: the filter as sent (validated by filters.parse before it is stored).
    filter: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = created_at_column()
