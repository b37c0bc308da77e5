"""promotions: tiers (promo_) and stacks (stack_) of PROMOTION campaigns

Revision ID: 0021
Revises: 0012
Create Date: 2026-12-07 03:00:00

Only adds tables: processes of the previous release never read them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotion_tiers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("banner", sa.String(length=1000), nullable=True),
        sa.Column("action", sa.JSON(), nullable=False),
        sa.Column("hierarchy", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expiration_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("validity_timeframe", sa.JSON(), nullable=True),
        sa.Column("validity_day_of_week", sa.JSON(), nullable=True),
        sa.Column("validity_hours", sa.JSON(), nullable=True),
        sa.Column("category_id", sa.String(length=64), nullable=True),
        sa.Column("redeemed_quantity", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.BigInteger(), nullable=False),
        sa.Column("total_discount_amount", sa.BigInteger(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_promotion_tiers_project_id", "promotion_tiers", ["project_id"])
    op.create_index("ix_promotion_tiers_campaign_id", "promotion_tiers", ["campaign_id"])
    op.create_index(
        "ix_promotion_tiers_project_live",
        "promotion_tiers",
        ["project_id", "deleted", "active", "hierarchy"],
    )
    op.create_table(
        "promotion_stacks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("category_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_promotion_stacks_project_id", "promotion_stacks", ["project_id"])
    op.create_index("ix_promotion_stacks_campaign_id", "promotion_stacks", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("promotion_stacks")
    op.drop_table("promotion_tiers")
