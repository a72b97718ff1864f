"""Tables for experiments and training runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from loom.core.clock import utcnow
from loom.storage.orm_base import Base


class SqlExperiment(Base):
    """A named group of comparable runs."""

    __tablename__ = "experiments"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SqlRun(Base):
    """One training run: inputs, the job that executes it, and what it produced."""

    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    experiment_id: Mapped[str] = mapped_column(ForeignKey("experiments.id"), index=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"))
    name: Mapped[str] = mapped_column(String(200))
    algorithm: Mapped[str] = mapped_column(String(100))
    task: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"))
    dataset_version: Mapped[int]
    target: Mapped[str | None] = mapped_column(String(200), default=None)
    features: Mapped[list[Any] | None] = mapped_column(default=None)
    seed: Mapped[int] = mapped_column(default=42)
    cv_folds: Mapped[int | None] = mapped_column(default=None)
    test_size: Mapped[float] = mapped_column(Float, default=0.2)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cv_metrics: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    plots: Mapped[list[Any]] = mapped_column(default=list)
    input_schema: Mapped[list[Any]] = mapped_column(default=list)
    artifact_key: Mapped[str | None] = mapped_column(String(500), default=None)
    duration_s: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set by ``POST /runs/{id}/stop``; the training job polls it between batches.
    stop_requested: Mapped[bool] = mapped_column(default=False, server_default=false())


class SqlRunEpoch(Base):
    """One epoch's metrics of a run's stored-model fit, written while it trains."""

    __tablename__ = "run_epochs"
    __table_args__ = (UniqueConstraint("run_id", "epoch"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    epoch: Mapped[int]
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
