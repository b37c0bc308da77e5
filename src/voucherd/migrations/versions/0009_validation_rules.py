"""validation rules and their assignments

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:00:00

Only adds tables: processes of the previous release never read them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "validation_rules",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("bundle_rules", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("applicable_to", sa.JSON(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("context_type", sa.String(length=96), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_validation_rules_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_rules")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_validation_rules_project_id_name")),
    )
    with op.batch_alter_table("validation_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_validation_rules_project_id"), ["project_id"], unique=False
        )
    op.create_table(
        "validation_rule_assignments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("related_object_type", sa.String(length=32), nullable=False),
        sa.Column("related_object_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_validation_rule_assignments_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["validation_rules.id"],
            name=op.f("fk_validation_rule_assignments_rule_id_validation_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_rule_assignments")),
        sa.UniqueConstraint(
            "rule_id",
            "related_object_id",
            name=op.f("uq_validation_rule_assignments_rule_id_related_object_id"),
        ),
    )
    with op.batch_alter_table("validation_rule_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_validation_rule_assignments_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_validation_rule_assignments_rule_id"), ["rule_id"], unique=False
        )
        batch_op.create_index(
            "ix_validation_rule_assignments_object",
            ["project_id", "related_object_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("validation_rule_assignments")
    op.drop_table("validation_rules")
