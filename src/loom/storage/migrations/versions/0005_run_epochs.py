"""run_epochs: per-epoch metrics of a run; runs.stop_requested for graceful stops

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loom.storage.orm_base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_epochs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            loom.storage.orm_base.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_epochs_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_epochs")),
        sa.UniqueConstraint("run_id", "epoch", name=op.f("uq_run_epochs_run_id_epoch")),
    )
    with op.batch_alter_table("run_epochs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_run_epochs_run_id"), ["run_id"], unique=False
        )
    # Existing runs were never asked to stop.
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "stop_requested",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("stop_requested")
    with op.batch_alter_table("run_epochs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_epochs_run_id"))
    op.drop_table("run_epochs")
