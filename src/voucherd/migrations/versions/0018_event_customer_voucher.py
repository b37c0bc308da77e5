"""events: the customer and voucher each event is about, for activity lists

Revision ID: 0018
Revises: 0009
Create Date: 2026-12-07 00:30:00

Adds two nullable columns and two partial indexes, and fills the columns for existing events
from their JSON (`data.customer.id`, `data.voucher.id`). Processes of the previous release
never read the columns and leave them NULL on events they write during a rolling upgrade;
such events are missing from activity lists until re-filled by running this UPDATE again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("voucher_id", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        customer = "data::json -> 'customer' ->> 'id'"
        voucher = "data::json -> 'voucher' ->> 'id'"
    else:
        customer = "json_extract(data, '$.customer.id')"
        voucher = "json_extract(data, '$.voucher.id')"
    op.execute(f"UPDATE events SET customer_id = {customer}, voucher_id = {voucher}")
    for name, column in (
        ("ix_events_customer", "customer_id"),
        ("ix_events_voucher", "voucher_id"),
    ):
        op.create_index(
            name,
            "events",
            ["project_id", column, "id"],
            unique=False,
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
        )


def downgrade() -> None:
    op.drop_index("ix_events_voucher", table_name="events")
    op.drop_index("ix_events_customer", table_name="events")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("voucher_id")
        batch_op.drop_column("customer_id")
