"""api keys: client-key settings (allowed origins, redeem and publish switches)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 00:40:00

Adds one nullable column; processes of the previous release neither read nor need it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_settings", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("client_settings")
