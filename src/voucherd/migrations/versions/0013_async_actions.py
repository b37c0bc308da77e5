"""async actions: imports and bulk updates run by the background worker

Revision ID: 0013
Revises: 0017
Create Date: 2026-12-07 00:10:00

Only adds a table: processes of the previous release never read it. Self-contained (touches
no other table), so it can be re-chained after another migration numbered before it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "async_actions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("done_count", sa.BigInteger(), nullable=False),
        sa.Column("failed_count", sa.BigInteger(), nullable=False),
        sa.Column("failed", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("lease_token", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_async_actions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_async_actions")),
    )
    with op.batch_alter_table("async_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_async_actions_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            "ix_async_actions_status_created", ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_async_actions_project_created", ["project_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("async_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_async_actions_project_created")
        batch_op.drop_index("ix_async_actions_status_created")
        batch_op.drop_index(batch_op.f("ix_async_actions_project_id"))
    op.drop_table("async_actions")
