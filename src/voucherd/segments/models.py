"""Customer segments, and the stored members of static and auto-update ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column, updated_at_column


class Segment(Base):
    __tablename__ = "segments"
    # The passive segments of a project are loaded on every rule evaluation that asks for a
    # customer's segments, and the auto-update ones on every customer change.
    __table_args__ = (Index("ix_segments_project_id_type", "project_id", "type"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    name: Mapped[str] = mapped_column(String(200))
    # static | auto-update | passive
    type: Mapped[str] = mapped_column(String(16))
    # auto-update / passive: the filter as sent (validated by filters.parse before it is
    # stored); static: None.
    filter: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()


class CustomerSegment(Base):
    """A customer in a static or auto-update segment (passive ones are evaluated when asked).

    Deleting either side deletes the row (ON DELETE CASCADE), so a membership never outlives
    its customer or its segment.
    """

    __tablename__ = "customer_segments"
    # "Which segments is this customer in" is the hot read (the rule engine, GET
    # /v1/customers/{id}/segments): the primary key serves per segment, this per customer.
    __table_args__ = (Index("ix_customer_segments_customer_id", "customer_id"),)

    segment_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    entered_at: Mapped[datetime] = mapped_column()
