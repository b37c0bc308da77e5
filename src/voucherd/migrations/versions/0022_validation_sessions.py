"""validation sessions: LOCK reservations (validation_sessions) and their sums on vouchers

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 04:00:00

Adds a table and four voucher columns with defaults (0, NULL = no locks): processes of the
previous release never read them, and a voucher without locks behaves exactly as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "validation_sessions",
        sa.Column("voucher_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("ttl", sa.BigInteger(), nullable=False),
        sa.Column("ttl_unit", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("credits", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_validation_sessions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["vouchers.id"],
            name=op.f("fk_validation_sessions_voucher_id_vouchers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("voucher_id", "key", name=op.f("pk_validation_sessions")),
    )
    op.create_index(
        op.f("ix_validation_sessions_project_id"), "validation_sessions", ["project_id"]
    )
    op.create_index(
        "ix_validation_sessions_project_key", "validation_sessions", ["project_id", "key"]
    )
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locked_quantity", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("locked_credits", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("locks_expire_first", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("locks_expire_last", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.drop_column("locks_expire_last")
        batch_op.drop_column("locks_expire_first")
        batch_op.drop_column("locked_credits")
        batch_op.drop_column("locked_quantity")
    op.drop_index("ix_validation_sessions_project_key", table_name="validation_sessions")
    op.drop_index(op.f("ix_validation_sessions_project_id"), table_name="validation_sessions")
    op.drop_table("validation_sessions")
