"""console campaign pages: (campaign_id, id) indexes on vouchers, redemptions, publications

Revision ID: 0022c
Revises: 0022
Create Date: 2026-12-07 03:20:00

The console pages through a campaign's codes, redemptions and publications newest first
(`WHERE campaign_id = ? ORDER BY id DESC LIMIT 26`). Without these indexes both engines read
every row of the campaign (or of the project) and sort them: 6 s for a campaign of a million
codes on SQLite; with them, a fraction of a millisecond. Only adds indexes: processes of the
previous release are unaffected.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022c"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_vouchers_campaign_id_id", "vouchers"),
    ("ix_redemptions_campaign_id_id", "redemptions"),
    ("ix_publications_campaign_id_id", "publications"),
)


def upgrade() -> None:
    for name, table in INDEXES:
        op.create_index(name, table, ["campaign_id", "id"])


def downgrade() -> None:
    for name, table in INDEXES:
        op.drop_index(name, table_name=table)
