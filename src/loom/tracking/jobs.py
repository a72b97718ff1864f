"""The ``training.run`` job: train, evaluate, store model and plots, record."""

from __future__ import annotations

import time
from typing import Any

from loom.core.clock import utcnow
from loom.data.orm import SqlDatasetVersion
from loom.jobs.context import JobContext
from loom.tracking.orm import SqlRun
from loom.tracking.service import run_artifact_prefix


def _load_frame(ctx: JobContext, version: SqlDatasetVersion) -> Any:
    import pyarrow.parquet as pq

    with ctx.artifacts.local_path(version.artifact_key) as path:
        return pq.read_table(path).to_pandas()


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
    frame = _load_frame(ctx, version)
    ctx.log(f"loaded dataset version {version.version}: {len(frame)} rows")
    outcome = train(frame, spec, log=ctx.log)
    ctx.check_cancelled()
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
