"""product collections: STATIC lists and AUTO_UPDATE filters of products / SKUs

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:00:00

Only adds a table: processes of the previous release never read it. Self-contained (touches
no other table), so it can be re-chained after another migration numbered before it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_collections",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("products", sa.JSON(), nullable=True),
        sa.Column("filter", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_product_collections_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_collections")),
        sa.UniqueConstraint(
            "project_id", "name", name=op.f("uq_product_collections_project_id_name")
        ),
    )
    with op.batch_alter_table("product_collections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_collections_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("product_collections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_collections_project_id"))
    op.drop_table("product_collections")
