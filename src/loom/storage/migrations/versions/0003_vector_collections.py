"""vector_collections: the database side of vector search collections

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loom.storage.orm_base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vector_collections",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("advice", sa.JSON(), nullable=True),
        sa.Column("last_evaluation", sa.JSON(), nullable=True),
        sa.Column(
            "created_at",
            loom.storage.orm_base.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_vector_collections_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vector_collections")),
        sa.UniqueConstraint(
            "workspace_id",
            "name",
            name=op.f("uq_vector_collections_workspace_id_name"),
        ),
    )
    with op.batch_alter_table("vector_collections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vector_collections_workspace_id"),
            ["workspace_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("vector_collections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vector_collections_workspace_id"))
    op.drop_table("vector_collections")
