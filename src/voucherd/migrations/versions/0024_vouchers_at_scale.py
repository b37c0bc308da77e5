"""vouchers at scale: claiming a campaign's next free code, and standalone generic codes

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 06:00:00

Two reads grew with the number of codes:

- Publishing a campaign's next free code (`WHERE campaign_id = ? AND holder_id IS NULL ORDER
  BY id LIMIT 1`) walked every code already published: 33 ms on PostgreSQL and 27 ms on
  SQLite once 100,000 of a campaign's 200,000 codes were out, and more with each one. A
  partial index of the free codes, (campaign, id) where nobody holds them, makes the next
  free code its campaign's first entry (PostgreSQL does not read `holder_id IS NULL` as an
  equality that would let (campaign_id, holder_id, id) give id order). It shrinks as codes
  go out.
- A qualification offers the project's multi-use codes that nobody holds and no campaign owns
  (`qualifications/repository.py`, newest 200): the query read every code of the project. A
  partial index holds only those codes, in (project, newest first) order.

Only indexes change: processes of the previous release are unaffected.
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
        "ix_vouchers_campaign_free",
        "vouchers",
        ["campaign_id", "id"],
        postgresql_where=sa.text("holder_id IS NULL"),
        sqlite_where=sa.text("holder_id IS NULL"),
    )
    op.create_index(
        "ix_vouchers_standalone_generic",
        "vouchers",
        ["project_id", "created_at", "id"],
        postgresql_where=sa.text(PREDICATE),
        sqlite_where=sa.text(PREDICATE),
    )


def downgrade() -> None:
    op.drop_index("ix_vouchers_standalone_generic", table_name="vouchers")
    op.drop_index("ix_vouchers_campaign_free", table_name="vouchers")
