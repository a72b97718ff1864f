"""The ``training.run`` job: train, evaluate, store model and plots, record."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from loom.core.clock import utcnow
from loom.core.errors import InvalidInputError
from loom.data.orm import SqlDatasetVersion
from loom.jobs.context import JobContext
from loom.tracking.live import LiveHooks
from loom.tracking.orm import SqlRun
from loom.tracking.service import run_artifact_prefix

if TYPE_CHECKING:
    from loom.pipelines.fitted import FittedPipeline


def _load_frame(ctx: JobContext, version: SqlDatasetVersion) -> Any:
    import pyarrow.parquet as pq

    with ctx.artifacts.local_path(version.artifact_key) as path:
        return pq.read_table(path).to_pandas()


def _fitted_pipeline(
    ctx: JobContext, source: dict[str, Any] | None, target: str | None
) -> FittedPipeline | None:
    """The fitted pipeline that wrote a dataset version, checked servable.

    A model trained on a pipeline's output is served with that pipeline in
    front, so its endpoint takes raw rows. Checked before training so a
    pipeline that cannot serve fails the run at once, naming the node.

    Raises:
        InvalidInputError: the fitted artifact is gone, or the pipeline drops
            or multiplies rows, or cannot run without the target.
    """
    from loom.pipelines.fitted import FittedPipeline
    from loom.training.bundle import check_servable

    if not source or source.get("kind") != "pipeline":
        return None
    key = source.get("fitted_artifact")
    if not key or not ctx.artifacts.exists(key):
        raise InvalidInputError(
            f"the fitted pipeline of this dataset version ({key}) is missing; "
            f"rerun pipeline '{source.get('pipeline')}'"
        )
    pipeline = FittedPipeline.from_dict(json.loads(ctx.artifacts.read_bytes(key)))
    check_servable(pipeline, target)
    steps = " → ".join(f"{n.id} ({n.op})" for n in pipeline.nodes)
    ctx.log(
        f"pipeline '{pipeline.name}' v{source.get('version')} run "
        f"{source.get('run_id')} goes in front of the model ({pipeline.output}): "
        f"{steps}"
    )
    changed = _nodes_touching(pipeline, target)
    if changed:
        ctx.log(
            f"note: target '{target}' is changed by node {', '.join(changed)}; "
            "predictions come out in the transformed units"
        )
    return pipeline


def _nodes_touching(pipeline: FittedPipeline, target: str | None) -> list[str]:
    """Nodes listing the target among the columns they rewrite."""
    found = []
    for node in pipeline.nodes:
        columns = node.params.get("columns")
        if target and isinstance(columns, list | dict) and target in columns:
            found.append(f"'{node.id}' ({node.op})")
    return found


def run_training(ctx: JobContext) -> dict[str, Any]:
    """Train the run's algorithm on its dataset version and record everything.

    Artifacts are written before the run row is updated, so a run that shows
    results always has its model and plots in the store.
    """
    from sqlalchemy import select

    from loom.training.fitting import TrainingSpec, train
    from loom.training.options import TrainingOptions

    run_id = ctx.params["run_id"]
    with ctx.db.session() as session:
        run = session.get(SqlRun, run_id)
        assert run is not None, f"run {run_id} vanished"
        version = session.scalar(
            select(SqlDatasetVersion).where(
                SqlDatasetVersion.dataset_id == run.dataset_id,
                SqlDatasetVersion.version == run.dataset_version,
            )
        )
        assert version is not None
        spec = TrainingSpec(
            algorithm=run.algorithm,
            params=dict(run.params),
            target=run.target,
            features=list(run.features) if run.features else None,
            seed=run.seed,
            cv_folds=run.cv_folds,
            test_size=run.test_size,
            options=TrainingOptions.model_validate(run.options or {}),
        )
    started = time.perf_counter()
    preprocess = _fitted_pipeline(ctx, version.source, spec.target)
    frame = _load_frame(ctx, version)
    ctx.log(f"loaded dataset version {version.version}: {len(frame)} rows")
    hooks = LiveHooks(ctx, run_id)
    hooks.forget_epochs()
    outcome = train(
        frame,
        spec,
        log=ctx.log,
        on_epoch=hooks.on_epoch,
        should_stop=hooks.should_stop,
    )
    ctx.check_cancelled()
    if preprocess is not None:
        outcome.bundle.attach_preprocess(preprocess)
    prefix = run_artifact_prefix(ctx.workspace_id, run_id)
    model_dir = ctx.workdir / "model"
    outcome.bundle.save(model_dir)
    ctx.artifacts.put_dir(model_dir, f"{prefix}/model")
    for name, png in outcome.plots.items():
        ctx.artifacts.put_bytes(png, f"{prefix}/plots/{name}")
    with ctx.db.session() as session:
        run = session.get(SqlRun, run_id)
        assert run is not None
        run.metrics = {k: float(v) for k, v in outcome.metrics.items()}
        run.cv_metrics = outcome.cv_metrics
        run.details = outcome.details
        run.plots = sorted(outcome.plots)
        run.input_schema = outcome.bundle.input_schema
        run.artifact_key = f"{prefix}/model"
        run.duration_s = round(time.perf_counter() - started, 3)
        run.finished_at = utcnow()
    ctx.log("metrics: " + ", ".join(f"{k}={v:.4f}" for k, v in outcome.metrics.items()))
    return {"run_id": run_id, "metrics": outcome.metrics}
