"""runs.options: training options (grouped CV, imbalance, selection, curves)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing runs used no options: an empty object reads as all defaults.
    with op.batch_alter_table("runs") as batch:
        batch.add_column(
            sa.Column("options", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("options")
