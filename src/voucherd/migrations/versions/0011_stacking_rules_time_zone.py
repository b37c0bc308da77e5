"""stacking rules: a project's custom `stk_` rules (the project time zone column exists)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:00:00

Only adds a table: processes of the previous release never read it (they keep answering
the fixed rules). Self-contained, so it can be re-chained after other migrations. The
project's `timezone` column has existed since 0001 (always "UTC" until now).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stacking_rules",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_stacking_rules_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stacking_rules")),
        sa.UniqueConstraint("project_id", name=op.f("uq_stacking_rules_project_id")),
    )
    with op.batch_alter_table("stacking_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stacking_rules_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stacking_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stacking_rules_project_id"))
    op.drop_table("stacking_rules")
