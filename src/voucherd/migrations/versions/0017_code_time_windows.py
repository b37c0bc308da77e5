"""code time windows: validity_timeframe, validity_day_of_week, validity_hours on campaigns
and vouchers

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07 00:15:00

Only adds nullable columns (SQLite adds them in place, PostgreSQL without a rewrite):
processes of the previous release never read them, and a code without windows is always
inside them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("campaigns", "vouchers")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("validity_timeframe", sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column("validity_day_of_week", sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column("validity_hours", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("validity_hours")
            batch_op.drop_column("validity_day_of_week")
            batch_op.drop_column("validity_timeframe")
