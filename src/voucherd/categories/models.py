"""A category (`cat_…`): a name and a hierarchy that stacking sorts redeemables by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column, updated_at_column


class Category(Base):
    __tablename__ = "categories"
    # Campaigns and vouchers may name their category instead of giving its id, so a name
    # must pick one category of the project.
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    name: Mapped[str] = mapped_column(String(200))
    hierarchy: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
