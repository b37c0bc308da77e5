"""A project's custom stacking rules (`stk_…`): at most one row per project.

A table rather than a JSON column on `projects`: the rules have their own id and dates on
the wire, the unique project_id settles two concurrent creates (one gets 409), and the
projects domain stays unaware of redemption settings. Only the fields the client set are
stored (`rules`); the rest read as Voucherify's defaults (stacking.rules.StackingRules).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column, updated_at_column


class StackingRulesRow(Base):
    __tablename__ = "stacking_rules"
    __table_args__ = (UniqueConstraint("project_id"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
