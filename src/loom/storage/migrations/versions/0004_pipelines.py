"""pipelines: stored feature pipelines, their versions, schedules and runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loom.storage.orm_base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> loom.storage.orm_base.UTCDateTime:
    return loom.storage.orm_base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=True),
        sa.Column("next_run_at", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_pipelines_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
        sa.UniqueConstraint(
            "workspace_id", "name", name=op.f("uq_pipelines_workspace_id_name")
        ),
    )
    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pipelines_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pipelines_next_run_at"), ["next_run_at"], unique=False
        )
    op.create_table(
        "pipeline_versions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("pipeline_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("spec_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_versions_pipeline_id_pipelines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_versions")),
        sa.UniqueConstraint(
            "pipeline_id",
            "version",
            name=op.f("uq_pipeline_versions_pipeline_id_version"),
        ),
    )
    with op.batch_alter_table("pipeline_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pipeline_versions_pipeline_id"),
            ["pipeline_id"],
            unique=False,
        )
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("pipeline_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("requested", sa.JSON(), nullable=False),
        sa.Column("nodes", sa.JSON(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("alerts", sa.JSON(), nullable=True),
        sa.Column("alert_state", sa.String(length=20), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_pipeline_runs_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_runs_pipeline_id_pipelines"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_pipeline_runs_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
    )
    with op.batch_alter_table("pipeline_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pipeline_runs_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pipeline_runs_pipeline_id"), ["pipeline_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pipeline_runs_alert_state"), ["alert_state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pipeline_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipeline_runs_alert_state"))
        batch_op.drop_index(batch_op.f("ix_pipeline_runs_pipeline_id"))
        batch_op.drop_index(batch_op.f("ix_pipeline_runs_workspace_id"))
    op.drop_table("pipeline_runs")
    with op.batch_alter_table("pipeline_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipeline_versions_pipeline_id"))
    op.drop_table("pipeline_versions")
    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipelines_next_run_at"))
        batch_op.drop_index(batch_op.f("ix_pipelines_workspace_id"))
    op.drop_table("pipelines")
