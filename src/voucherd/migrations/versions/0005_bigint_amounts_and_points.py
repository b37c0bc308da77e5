"""64-bit integers for every amount, points and counter column on PostgreSQL

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 08:05:00

PostgreSQL's INTEGER is 32-bit: a balance past 2,147,483,647 points (or an order past
$21M in cents) failed with "integer out of range". SQLite's INTEGER is already 64-bit, so
nothing changes there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS: dict[str, tuple[str, ...]] = {
    "campaigns": ("vouchers_count",),
    "customers": (
        "gift_redeemed_amount",
        "last_order_amount",
        "loyalty_redeemed_points",
        "orders_total_amount",
        "orders_total_count",
        "redemptions_failed",
        "redemptions_rolled_back",
        "redemptions_succeeded",
    ),
    "loyalty_pending_points": ("points",),
    "loyalty_tiers": ("points_from", "points_to"),
    "order_items": (
        "amount",
        "applied_discount_amount",
        "discount_amount",
        "discount_quantity",
        "initial_amount",
        "initial_quantity",
        "position",
        "price",
        "quantity",
    ),
    "orders": (
        "amount",
        "applied_discount_amount",
        "discount_amount",
        "initial_amount",
        "items_applied_discount_amount",
        "items_discount_amount",
    ),
    "points_buckets": ("points", "remaining"),
    "products": ("price",),
    "redemptions": ("amount", "gift_credits", "points"),
    "reward_assignments": ("points",),
    "reward_redemptions": ("points",),
    "rewards": ("redeemed", "stock"),
    "skus": ("price",),
    "voucher_transactions": ("amount", "balance_after"),
    "vouchers": (
        "gift_amount",
        "gift_balance",
        "loyalty_balance",
        "loyalty_expired_points",
        "loyalty_next_expiration_points",
        "loyalty_pending_points",
        "loyalty_points",
        "loyalty_subtracted_points",
        "publish_count",
        "redeemed_amount",
        "redeemed_points",
        "redeemed_quantity",
        "redemption_quantity",
    ),
    "webhook_attempts": ("latency_ms", "number", "status_code"),
    "webhook_sendouts": ("attempts", "last_status_code", "schedule_attempts"),
}


def _alter(to: sa.types.TypeEngine[int], from_: sa.types.TypeEngine[int]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=to, existing_type=from_)


def upgrade() -> None:
    _alter(sa.BigInteger(), sa.Integer())


def downgrade() -> None:
    _alter(sa.Integer(), sa.BigInteger())
