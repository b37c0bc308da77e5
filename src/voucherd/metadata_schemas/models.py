"""A metadata schema (`ms_…`): the metadata keys one object type may or must carry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column, updated_at_column


class MetadataSchema(Base):
    __tablename__ = "metadata_schemas"
    # `GET /v1/metadata-schemas/{resource}` names a schema by its object type: one per type.
    __table_args__ = (UniqueConstraint("project_id", "related_object"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    related_object: Mapped[str] = mapped_column(String(200))
    # {key: definition}, definitions in the Management API's snake_case form (checks.py).
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    allow_defined_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()
