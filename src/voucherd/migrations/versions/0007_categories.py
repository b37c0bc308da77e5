"""categories: the `cat_` objects campaigns and vouchers belong to

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 23:00:00

Adds a table, and makes a category row for every category name campaigns and vouchers
already carry (they were free tags until now), pointing their `category_id` at it. The
`category` name columns stay and are still written, so processes of the previous release
keep reading them during a rolling upgrade.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from voucherd.kit.ids import Prefix, new_id

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("hierarchy", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_categories_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_categories_project_id_name")),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_categories_project_id"), ["project_id"], unique=False)
    _adopt_existing_names()


def _adopt_existing_names() -> None:
    conn = op.get_bind()
    names = conn.execute(
        sa.text(
            "SELECT project_id, category FROM campaigns WHERE category IS NOT NULL "
            "UNION SELECT project_id, category FROM vouchers WHERE category IS NOT NULL"
        )
    ).all()
    now = datetime.now(UTC)  # a migration runs outside the app's clock
    for project_id, name in names:
        category_id = new_id(Prefix.CATEGORY)
        conn.execute(
            sa.text(
                "INSERT INTO categories (id, project_id, name, hierarchy, created_at) "
                "VALUES (:id, :project_id, :name, 1, :now)"
            ),
            {"id": category_id, "project_id": project_id, "name": name, "now": now},
        )
        for table in ("campaigns", "vouchers"):
            conn.execute(
                sa.text(
                    f"UPDATE {table} SET category_id = :id "
                    "WHERE project_id = :project_id AND category = :name"
                ),
                {"id": category_id, "project_id": project_id, "name": name},
            )


def downgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_categories_project_id"))
    op.drop_table("categories")
