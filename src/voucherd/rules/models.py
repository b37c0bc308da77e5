"""A validation rule set (`val_…`) and where it is assigned (`asgm_…`).

The rule object is stored as Voucherify's JSON (validated by `language.parse_rules` before it is
written), so a GET returns exactly what was accepted; the typed tree is rebuilt from it when
a decision needs it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column, updated_at_column


class ValidationRule(Base):
    __tablename__ = "validation_rules"
    # Voucherify: the name is unique (duplicates are ours to refuse: 409 duplicate_found).
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    name: Mapped[str] = mapped_column(String(200))
    # The numbered `rules` map with its `logic` ({"logic": ""} when only targeting).
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    bundle_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # {"message": …}: the fallback message of a failing rule.
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # {"included": [...], "excluded": [...], "included_all": bool}
    applicable_to: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    type: Mapped[str] = mapped_column(String(16), default="expression")
    context_type: Mapped[str] = mapped_column(String(96), default="global")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()


class ValidationRuleAssignment(Base):
    __tablename__ = "validation_rule_assignments"
    __table_args__ = (
        # One assignment of a rule to an object (`?force=true` replaces it).
        UniqueConstraint("rule_id", "related_object_id"),
        # The hot path: "which rules apply to this voucher / campaign / earning rule".
        Index("ix_validation_rule_assignments_object", "project_id", "related_object_id"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    rule_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("validation_rules.id", ondelete="CASCADE"), index=True
    )
    # voucher | campaign | promotion_tier | earning_rule | reward_assignment | distribution
    related_object_type: Mapped[str] = mapped_column(String(32))
    related_object_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()


class RuleCounter(Base):
    """One counter a validation rule reads (`counters.py`): a redemption count, an order or
    discount total, per campaign / voucher / customer / API key and window, by `key`.

    Kept only for counters some assigned rule reads, and changed only under its row lock
    (an upsert that returns the new value), so "once per customer" holds under concurrency.
    """

    __tablename__ = "rule_counters"

    project_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    # e.g. "redemption.count.per_customer|v_…|cust_…|2026-12-07" (see counters.key)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
