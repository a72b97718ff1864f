"""Runs: validate a training request, queue it, and read results back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loom.core.errors import ConflictError, InvalidInputError, NotFoundError
from loom.core.ids import new_id
from loom.core.pages import Page
from loom.data import service as data_service
from loom.data.orm import SqlDataset
from loom.jobs import queue
from loom.jobs.orm import SqlJob
from loom.jobs.schemas import JobState
from loom.tracking.orm import SqlExperiment, SqlRun, SqlRunEpoch
from loom.tracking.schemas import (
    ExperimentPublic,
    RunComparison,
    RunCreate,
    RunEpochPublic,
    RunPublic,
)
from loom.training.options import TrainingOptions

TRAINING_JOB = "training.run"


def _experiment(session: Session, workspace_id: str, name: str) -> SqlExperiment:
    row = session.scalar(
        select(SqlExperiment).where(
            SqlExperiment.workspace_id == workspace_id, SqlExperiment.name == name
        )
    )
    if row is None:
        row = SqlExperiment(id=new_id("exp"), workspace_id=workspace_id, name=name)
        session.add(row)
        session.flush()
    return row


def _validate(request: RunCreate, version: Any) -> tuple[str, dict[str, Any]]:
    """Check algorithm, parameters and columns before any job exists."""
    from loom.algorithms.registry import get_algorithm, validate_params
    from loom.training.option_checks import check_options

    algorithm = get_algorithm(request.algorithm)
    validated = validate_params(request.algorithm, request.params)
    params = validated.model_dump(mode="json")
    task = str(algorithm.task)
    check_options(
        algorithm,
        validated,
        request.options,
        columns=[c["name"] for c in version.columns],
        target=request.target,
    )
    if (
        task in ("classification", "regression", "sequence_labeling")
        and not request.target
    ):
        raise InvalidInputError(
            f"algorithm '{request.algorithm}' ({task}) needs a target column"
        )
    if request.target:
        data_service.check_columns_exist(version, [request.target], role="target")
    if request.features:
        data_service.check_columns_exist(version, request.features, role="feature")
        if request.target and request.target in request.features:
            raise InvalidInputError(
                f"target column '{request.target}' cannot also be a feature"
            )
    if task in ("topic_modeling", "sequence_labeling"):
        _check_text_columns(request, version, task)
    return task, params


def _check_text_columns(request: RunCreate, version: Any, task: str) -> None:
    """Text tasks read ONE string column (and tags from a string target)."""
    kinds = {c["name"]: c.get("logical_type") for c in version.columns}
    strings = [n for n, kind in kinds.items() if kind == "string"]
    choices = ", ".join(n for n in strings if n != request.target) or "none"
    if task == "sequence_labeling" and kinds.get(request.target) != "string":
        raise InvalidInputError(
            f"target column '{request.target}' must hold space-separated tags "
            f"(strings); it is {kinds.get(request.target)}"
        )
    features = request.features or [n for n in strings if n != request.target]
    if len(features) != 1:
        raise InvalidInputError(
            f"algorithm '{request.algorithm}' ({task}) reads exactly one text "
            f"column; got {len(features)} (string columns: {choices})"
        )
    if kinds.get(features[0]) != "string":
        raise InvalidInputError(
            f"feature column '{features[0]}' must hold text (strings) for "
            f"'{request.algorithm}'; it is {kinds.get(features[0])} "
            f"(string columns: {choices})"
        )


def create_run(session: Session, *, workspace_id: str, request: RunCreate) -> RunPublic:
    """Validate a training request, record the run and queue its job."""
    version = data_service.get_version_row(
        session,
        workspace_id=workspace_id,
        ref=request.dataset,
        version=request.dataset_version,
    )
    task, params = _validate(request, version)
    experiment = _experiment(session, workspace_id, request.experiment)
    run_id = new_id("run")
    job = queue.enqueue(
        session,
        workspace_id=workspace_id,
        job_type=TRAINING_JOB,
        params={"run_id": run_id},
        retry_safe=True,
        max_attempts=2,
    )
    count = session.scalar(
        select(func.count()).where(SqlRun.experiment_id == experiment.id)
    )
    session.add(
        SqlRun(
            id=run_id,
            workspace_id=workspace_id,
            experiment_id=experiment.id,
            job_id=job.id,
            name=request.name or f"{request.algorithm}-{(count or 0) + 1}",
            algorithm=request.algorithm,
            task=task,
            params=params,
            dataset_id=version.dataset_id,
            dataset_version=version.version,
            target=request.target,
            features=request.features,
            seed=request.seed,
            cv_folds=request.cv_folds,
            test_size=request.test_size,
            options=request.options.model_dump(mode="json", exclude_defaults=True),
        )
    )
    session.flush()
    return get_run(session, workspace_id=workspace_id, run_id=run_id)


def _public(
    row: SqlRun, job: SqlJob, exp: SqlExperiment, dataset: SqlDataset
) -> RunPublic:
    return RunPublic(
        id=row.id,
        name=row.name,
        experiment=ExperimentPublic(
            id=exp.id, name=exp.name, created_at=exp.created_at
        ),
        state=JobState(job.state),
        job_id=job.id,
        error=job.error,
        algorithm=row.algorithm,
        task=row.task,
        params=row.params,
        dataset_id=row.dataset_id,
        dataset_name=dataset.name,
        dataset_version=row.dataset_version,
        target=row.target,
        features=row.features,
        seed=row.seed,
        cv_folds=row.cv_folds,
        test_size=row.test_size,
        options=TrainingOptions.model_validate(row.options or {}),
        metrics=row.metrics,
        cv_metrics=row.cv_metrics,
        details=row.details,
        plots=row.plots,
        input_schema=row.input_schema,
        duration_s=row.duration_s,
        created_at=row.created_at,
        finished_at=row.finished_at,
        stop_requested=bool(row.stop_requested),
    )


def _run_query(workspace_id: str) -> Any:
    return (
        select(SqlRun, SqlJob, SqlExperiment, SqlDataset)
        .join(SqlJob, SqlJob.id == SqlRun.job_id)
        .join(SqlExperiment, SqlExperiment.id == SqlRun.experiment_id)
        .join(SqlDataset, SqlDataset.id == SqlRun.dataset_id)
        .where(SqlRun.workspace_id == workspace_id)
    )


def get_run_row(session: Session, *, workspace_id: str, run_id: str) -> SqlRun:
    """The run row, or ``NotFoundError`` (also for another workspace's run)."""
    row = session.get(SqlRun, run_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFoundError(f"run not found: {run_id}")
    return row


def get_run(session: Session, *, workspace_id: str, run_id: str) -> RunPublic:
    """A run with its state and results."""
    found = session.execute(_run_query(workspace_id).where(SqlRun.id == run_id)).first()
    if found is None:
        raise NotFoundError(f"run not found: {run_id}")
    return _public(*found)


def list_runs(
    session: Session,
    *,
    workspace_id: str,
    experiment: str | None = None,
    state: JobState | None = None,
    limit: int = 200,
) -> Page[RunPublic]:
    """Runs newest first, optionally of one experiment (id or name) or state."""
    query = _run_query(workspace_id)
    if experiment:
        query = query.where(
            (SqlExperiment.name == experiment) | (SqlExperiment.id == experiment)
        )
    if state:
        query = query.where(SqlJob.state == state.value)
    rows = session.execute(query.order_by(SqlRun.created_at.desc()).limit(limit)).all()
    items = [_public(*r) for r in rows]
    return Page[RunPublic](items=items, total=len(items))


def compare_runs(
    session: Session, *, workspace_id: str, run_ids: list[str]
) -> RunComparison:
    """Several runs side by side."""
    if not run_ids:
        raise InvalidInputError("give at least one run id to compare")
    runs = [get_run(session, workspace_id=workspace_id, run_id=r) for r in run_ids]
    metrics = sorted({m for r in runs for m in r.metrics})
    params = sorted({p for r in runs for p in r.params})
    return RunComparison(runs=runs, metric_names=metrics, param_names=params)


def list_epochs(
    session: Session, *, workspace_id: str, run_id: str, after: int | None = None
) -> Page[RunEpochPublic]:
    """A run's epochs in order; ``after`` returns only later ones (for tailing)."""
    get_run_row(session, workspace_id=workspace_id, run_id=run_id)
    query = select(SqlRunEpoch).where(SqlRunEpoch.run_id == run_id)
    if after is not None:
        query = query.where(SqlRunEpoch.epoch > after)
    rows = session.scalars(query.order_by(SqlRunEpoch.epoch)).all()
    items = [
        RunEpochPublic(epoch=r.epoch, metrics=r.metrics, created_at=r.created_at)
        for r in rows
    ]
    return Page[RunEpochPublic](items=items, total=len(items))


def request_stop(session: Session, *, workspace_id: str, run_id: str) -> RunPublic:
    """Ask a queued or running run to stop after its current batch.

    The training job polls the flag, ends gracefully and keeps the best
    epoch's weights, so the run still succeeds with a servable model.

    Raises:
        NotFoundError: no such run in this workspace.
        ConflictError: the run has already ended.
    """
    row = get_run_row(session, workspace_id=workspace_id, run_id=run_id)
    job = session.get(SqlJob, row.job_id)
    state = JobState(job.state) if job is not None else JobState.FAILED
    if state not in (JobState.QUEUED, JobState.RUNNING):
        raise ConflictError(f"run {run_id} is {state.value}; only a running run stops")
    row.stop_requested = True
    session.flush()
    return get_run(session, workspace_id=workspace_id, run_id=run_id)


def list_experiments(session: Session, *, workspace_id: str) -> Page[ExperimentPublic]:
    """Experiments with their run counts."""
    rows = session.execute(
        select(SqlExperiment, func.count(SqlRun.id))
        .outerjoin(SqlRun, SqlRun.experiment_id == SqlExperiment.id)
        .where(SqlExperiment.workspace_id == workspace_id)
        .group_by(SqlExperiment.id)
        .order_by(SqlExperiment.created_at)
    ).all()
    items = [
        ExperimentPublic(id=e.id, name=e.name, created_at=e.created_at, run_count=n)
        for e, n in rows
    ]
    return Page[ExperimentPublic](items=items, total=len(items))


def run_artifact_prefix(workspace_id: str, run_id: str) -> str:
    """Where a run's model and plots live in the artifact store."""
    return f"workspaces/{workspace_id}/runs/{run_id}"
