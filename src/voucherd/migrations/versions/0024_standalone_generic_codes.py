"""qualifications: a partial index of each project's standalone generic codes

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 06:00:00

A qualification offers the project's multi-use codes that nobody holds and no campaign owns
(`qualifications/repository.py`, newest 200). Without this index the query read every code of
the project, or of every project: with 50,000 codes in one campaign it scanned all of them
on each qualification. The index holds only those codes, in (project, newest first) order.
Only adds an index: processes of the previous release are unaffected.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As `voucherd.vouchers.models.STANDALONE_GENERIC` (a migration keeps its own copy).
PREDICATE = (
    "campaign_id IS NULL AND holder_id IS NULL"
    " AND (redemption_quantity IS NULL OR redemption_quantity > 1)"
)


def upgrade() -> None:
    op.create_index(
        "ix_vouchers_standalone_generic",
        "vouchers",
        ["project_id", "created_at", "id"],
        postgresql_where=sa.text(PREDICATE),
        sqlite_where=sa.text(PREDICATE),
    )


def downgrade() -> None:
    op.drop_index("ix_vouchers_standalone_generic", table_name="vouchers")
