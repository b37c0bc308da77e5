"""metadata schemas (`ms_`) and the installation secret that seals voucher asset ids

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-07 00:00:00

Only adds tables: processes of the previous release never read them. Self-contained (touches
no other table), so it can be re-chained after another migration numbered before it. The
installation secret is made here, once per database, so every process finds the same one.
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metadata_schemas",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("related_object", sa.String(length=200), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("allow_defined_only", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_metadata_schemas_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metadata_schemas")),
        sa.UniqueConstraint(
            "project_id",
            "related_object",
            name=op.f("uq_metadata_schemas_project_id_related_object"),
        ),
    )
    with op.batch_alter_table("metadata_schemas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_metadata_schemas_project_id"), ["project_id"], unique=False
        )
    secrets_table = op.create_table(
        "installation_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_installation_secrets")),
    )
    op.bulk_insert(
        secrets_table,
        [{"name": "master", "value": secrets.token_hex(32), "created_at": datetime.now(UTC)}],
    )


def downgrade() -> None:
    op.drop_table("installation_secrets")
    with op.batch_alter_table("metadata_schemas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metadata_schemas_project_id"))
    op.drop_table("metadata_schemas")
