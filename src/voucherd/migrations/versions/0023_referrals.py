"""referrals: conversions, referral code holders (rh_), referrer reward tiers (rt_) and grants

Revision ID: 0023
Revises: 0022c
Create Date: 2026-12-07 04:00:00

Adds tables and one nullable column (`customers.referrals`, the referee's summary): processes
of the previous release never read them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _base(*columns: sa.Column) -> list[sa.Column | sa.Constraint]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        *columns,
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    ]


def _campaign() -> list[sa.Column | sa.Constraint]:  # type: ignore[type-arg]
    return [
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
    ]


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referrals", sa.JSON(), nullable=True))
    op.create_table(
        "referrals",
        *_base(
            *_campaign(),  # type: ignore[arg-type]
            sa.Column("voucher_id", sa.String(length=64), nullable=True),
            sa.Column("referrer_id", sa.String(length=64), nullable=False),
            sa.Column("referee_id", sa.String(length=64), nullable=False),
            sa.Column("related_object_type", sa.String(length=32), nullable=False),
            sa.Column("related_object_id", sa.String(length=64), nullable=False),
            sa.UniqueConstraint(  # type: ignore[arg-type]
                "campaign_id", "referee_id", name="uq_referrals_campaign_referee"
            ),
        ),
    )
    op.create_index("ix_referrals_project_id", "referrals", ["project_id"])
    op.create_index("ix_referrals_campaign_id", "referrals", ["campaign_id"])
    op.create_index("ix_referrals_referee_id", "referrals", ["referee_id"])
    op.create_index("ix_referrals_campaign_referrer", "referrals", ["campaign_id", "referrer_id"])
    op.create_table(
        "redeemable_holders",
        *_base(
            *_campaign(),  # type: ignore[arg-type]
            sa.Column("voucher_id", sa.String(length=64), nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("holder_role", sa.String(length=16), nullable=False),
            sa.Column("metadata", sa.JSON(), nullable=False),
            sa.ForeignKeyConstraint(  # type: ignore[arg-type]
                ["voucher_id"], ["vouchers.id"], ondelete="CASCADE"
            ),
            sa.UniqueConstraint(  # type: ignore[arg-type]
                "voucher_id", "customer_id", "holder_role", name="uq_redeemable_holders"
            ),
        ),
    )
    for column in ("project_id", "campaign_id", "voucher_id", "customer_id"):
        op.create_index(f"ix_redeemable_holders_{column}", "redeemable_holders", [column])
    op.create_table(
        "referral_reward_tiers",
        *_base(
            *_campaign(),  # type: ignore[arg-type]
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("banner", sa.String(length=1000), nullable=True),
            sa.Column("event_type", sa.String(length=16), nullable=False),
            sa.Column("referrals", sa.BigInteger(), nullable=False),
            sa.Column("reward", sa.JSON(), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        ),
    )
    for column in ("project_id", "campaign_id"):
        op.create_index(f"ix_referral_reward_tiers_{column}", "referral_reward_tiers", [column])
    op.create_table(
        "referral_reward_grants",
        *_base(
            sa.Column("tier_id", sa.String(length=64), nullable=False),
            sa.Column("referrer_id", sa.String(length=64), nullable=False),
            sa.Column("grant_key", sa.String(length=64), nullable=False),
            sa.Column("result", sa.JSON(), nullable=False),
            sa.ForeignKeyConstraint(  # type: ignore[arg-type]
                ["tier_id"], ["referral_reward_tiers.id"], ondelete="CASCADE"
            ),
            sa.UniqueConstraint(  # type: ignore[arg-type]
                "tier_id", "referrer_id", "grant_key", name="uq_referral_reward_grants"
            ),
        ),
    )
    for column in ("project_id", "tier_id"):
        op.create_index(f"ix_referral_reward_grants_{column}", "referral_reward_grants", [column])


def downgrade() -> None:
    op.drop_table("referral_reward_grants")
    op.drop_table("referral_reward_tiers")
    op.drop_table("redeemable_holders")
    op.drop_table("referrals")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("referrals")
