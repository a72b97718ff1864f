"""Tables for stored pipelines, their immutable versions, schedules and runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loom.core.clock import utcnow
from loom.storage.orm_base import Base


class SqlPipeline(Base):
    """A named pipeline in a workspace; its specs live in versions.

    The schedule sits on this row (not in a table of its own) because a
    pipeline has at most one, and the scheduler claims a due firing with one
    conditional UPDATE of ``next_run_at`` on this very row.
    """

    __tablename__ = "pipelines"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    next_run_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SqlPipelineVersion(Base):
    """One canonical spec of a pipeline; a changed spec adds a version."""

    __tablename__ = "pipeline_versions"
    __table_args__ = (UniqueConstraint("pipeline_id", "version"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipelines.id"), index=True)
    version: Mapped[int]
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    spec_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SqlPipelineRun(Base):
    """One full run: its job, inputs, per-node outcome and registered outputs.

    ``alert_state`` is ``pending`` while a scheduled run with alerts has not
    been reported; the scheduler flips it to ``sent`` with a conditional
    UPDATE before delivering, so two servers never send the same alert twice.
    """

    __tablename__ = "pipeline_runs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipelines.id"), index=True)
    version: Mapped[int]
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"))
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sources: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requested: Mapped[dict[str, Any]] = mapped_column(default=dict)
    nodes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    alerts: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    alert_state: Mapped[str | None] = mapped_column(
        String(20), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
