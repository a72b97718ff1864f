"""Wire schemas for experiments and runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from loom.jobs.schemas import JobState
from loom.training.options import TrainingOptions


class RunCreate(BaseModel):
    """Train an algorithm on a dataset version."""

    dataset: str
    dataset_version: int | None = None
    target: str | None = None
    features: list[str] | None = None
    algorithm: str
    params: dict[str, Any] = Field(default_factory=dict)
    cv_folds: int | None = Field(default=None, ge=2, le=20)
    test_size: float = Field(default=0.2, gt=0.0, lt=0.9)
    seed: int = Field(default=42, ge=0, le=2**31 - 1)
    options: TrainingOptions = Field(default_factory=TrainingOptions)
    experiment: str = Field(default="Default", min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)


class ExperimentPublic(BaseModel):
    """An experiment: a named group of runs."""

    id: str
    name: str
    created_at: datetime | None = None
    run_count: int | None = None


class RunPublic(BaseModel):
    """A run with its inputs and results."""

    id: str
    name: str
    experiment: ExperimentPublic
    state: JobState
    job_id: str
    error: str | None = None
    algorithm: str
    task: str
    params: dict[str, Any]
    dataset_id: str
    dataset_name: str
    dataset_version: int
    target: str | None
    features: list[str] | None
    seed: int
    cv_folds: int | None
    test_size: float
    options: TrainingOptions
    metrics: dict[str, float]
    cv_metrics: dict[str, list[float]] | None
    details: dict[str, Any]
    plots: list[str]
    input_schema: list[dict[str, Any]]
    duration_s: float | None
    created_at: datetime
    finished_at: datetime | None
    stop_requested: bool = False


class RunEpochPublic(BaseModel):
    """One epoch of a run's stored-model fit: train_loss, val_loss, val_<metric>,
    lr, seconds, grad_norm (whichever the algorithm reports)."""

    epoch: int
    metrics: dict[str, float | None]
    created_at: datetime


class RunComparison(BaseModel):
    """Runs side by side, with the union of their metric and parameter names."""

    runs: list[RunPublic]
    metric_names: list[str]
    param_names: list[str]
