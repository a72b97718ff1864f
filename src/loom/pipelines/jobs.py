"""Full pipeline runs: queue them, show them, and the ``pipelines.run`` job handler.

The handler runs ``run_pipeline`` with a per-pipeline cache, writes each node's
log lines into the job log, registers every requested output as a dataset
version and stores, next to the run, the fitted pipeline that produced it —
the dataset version's ``source.fitted_artifact`` points there so a model
trained on that dataset can be served with the pipeline in front of it.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from loom.core.errors import InvalidInputError, NotFoundError
from loom.core.ids import new_id
from loom.core.pages import Page
from loom.jobs import queue
from loom.jobs.context import JobContext
from loom.jobs.orm import SqlJob
from loom.jobs.schemas import JobState
from loom.pipelines import service
from loom.pipelines.orm import SqlPipeline, SqlPipelineRun
from loom.pipelines.schemas import (
    PIPELINE_NAME_PATTERN,
    NodeRunPublic,
    OutputRef,
    PipelineRunPublic,
    RunRequest,
)
from loom.pipelines.spec import PipelineSpec, load_spec, split_ref

RUN_JOB = "pipelines.run"


def run_prefix(workspace_id: str, pipeline_id: str, run_id: str) -> str:
    """Artifact prefix of one run: ``…/pipeline_runs/<run_id>``."""
    return f"workspaces/{workspace_id}/pipelines/{pipeline_id}/pipeline_runs/{run_id}"


def fitted_key(workspace_id: str, pipeline_id: str, run_id: str, output: str) -> str:
    """Where the fitted pipeline of one output is stored."""
    return f"{run_prefix(workspace_id, pipeline_id, run_id)}/fitted/{output}.json"


def run_public(
    pipeline_name: str, row: SqlPipelineRun, job: SqlJob
) -> PipelineRunPublic:
    """A run row and its job as shown to callers."""
    return PipelineRunPublic(
        id=row.id,
        pipeline=pipeline_name,
        version=row.version,
        state=JobState(job.state),
        job_id=job.id,
        error=job.error,
        variables=row.variables,
        nodes={k: NodeRunPublic.model_validate(v) for k, v in row.nodes.items()},
        outputs={k: OutputRef.model_validate(v) for k, v in row.outputs.items()},
        requested_outputs=row.requested,
        trigger="schedule" if row.trigger == "schedule" else "manual",
        created_at=row.created_at,
        finished_at=job.finished_at,
    )


def check_outputs(spec: PipelineSpec, outputs: dict[str, str]) -> None:
    """Every output names an existing ``node.port`` and a valid dataset name."""
    import re

    from loom.pipelines.operators import get_operator, known_operator

    if not outputs:
        raise InvalidInputError(
            "give at least one output: {'node.port': 'dataset_name'}"
        )
    for ref, dataset in outputs.items():
        node_id, port = split_ref(ref)
        node = next((n for n in spec.nodes if n.id == node_id), None)
        if node is None or not known_operator(node.op):
            raise InvalidInputError(
                f"output '{ref}': no node '{node_id}'; nodes: "
                f"{', '.join(n.id for n in spec.nodes)}",
                details={"node": node_id},
            )
        ports = get_operator(node.op).outputs
        if (port or ports[0]) not in ports or (port is None and len(ports) > 1):
            raise InvalidInputError(
                f"output '{ref}': node '{node_id}' has ports {', '.join(ports)}; "
                f"write '{node_id}.<port>'",
                details={"node": node_id, "port": port},
            )
        if not re.match(PIPELINE_NAME_PATTERN, dataset):
            raise InvalidInputError(
                f"output '{ref}': invalid dataset name {dataset!r}",
                details={"node": node_id},
            )


def start_run(
    session: Session,
    *,
    workspace_id: str,
    ref: str,
    request: RunRequest,
    trigger: Literal["manual", "schedule"] = "manual",
    alerts: dict[str, Any] | None = None,
) -> PipelineRunPublic:
    """Queue a full run of the latest version.

    A manual run is validated here, so a bad request starts no job; a scheduled
    run is queued as is and fails in its job, where the failure alerts.
    """
    pipeline = service.find_pipeline(session, workspace_id=workspace_id, ref=ref)
    version = service.version_row(session, pipeline)
    spec = load_spec(version.spec)
    if trigger == "manual":
        check_outputs(spec, request.outputs)
        service.check_spec(
            session, workspace_id=workspace_id, spec=spec, variables=request.variables
        )
    rows = service.resolve_sources(session, workspace_id=workspace_id, spec=spec)
    run_id = new_id("plr")
    job = queue.enqueue(
        session,
        workspace_id=workspace_id,
        job_type=RUN_JOB,
        retry_safe=True,  # outputs are content-hashed and nodes cached: reruns agree
        max_attempts=2,
        params={
            "run_id": run_id,
            "pipeline": pipeline.name,
            "version": version.version,
        },
    )
    row = SqlPipelineRun(
        id=run_id,
        workspace_id=workspace_id,
        pipeline_id=pipeline.id,
        version=version.version,
        job_id=job.id,
        trigger=trigger,
        variables=dict(request.variables),
        sources=service.source_record(session, rows),
        requested=dict(request.outputs),
        nodes={n.id: {"status": "queued"} for n in spec.nodes},
        alerts=alerts,
        alert_state="pending" if alerts else None,
    )
    session.add(row)
    session.flush()
    job_row = session.get(SqlJob, job.id)
    assert job_row is not None
    return run_public(pipeline.name, row, job_row)


def get_run(session: Session, *, workspace_id: str, run_id: str) -> PipelineRunPublic:
    """One run of the workspace, or ``NotFoundError``."""
    found = session.execute(
        select(SqlPipelineRun, SqlJob, SqlPipeline.name)
        .join(SqlJob, SqlJob.id == SqlPipelineRun.job_id)
        .join(SqlPipeline, SqlPipeline.id == SqlPipelineRun.pipeline_id)
        .where(SqlPipelineRun.id == run_id, SqlPipelineRun.workspace_id == workspace_id)
    ).first()
    if found is None:
        raise NotFoundError(f"pipeline run not found: {run_id}")
    row, job, name = found
    return run_public(name, row, job)


def list_runs(
    session: Session,
    *,
    workspace_id: str,
    pipeline: str | None = None,
    limit: int = 200,
) -> Page[PipelineRunPublic]:
    """Runs newest first, optionally of one pipeline (its run history)."""
    query = (
        select(SqlPipelineRun, SqlJob, SqlPipeline.name)
        .join(SqlJob, SqlJob.id == SqlPipelineRun.job_id)
        .join(SqlPipeline, SqlPipeline.id == SqlPipelineRun.pipeline_id)
        .where(SqlPipelineRun.workspace_id == workspace_id)
    )
    if pipeline is not None:
        found = service.find_pipeline(session, workspace_id=workspace_id, ref=pipeline)
        query = query.where(SqlPipelineRun.pipeline_id == found.id)
    rows = session.execute(
        query.order_by(SqlPipelineRun.created_at.desc()).limit(limit)
    ).all()
    items = [run_public(name, row, job) for row, job, name in rows]
    return Page[PipelineRunPublic](items=items, total=len(items))


def run_pipeline_job(ctx: JobContext) -> dict[str, Any]:
    """The ``pipelines.run`` handler (see the module docstring)."""
    import contextlib

    from loom.pipelines.engine import run_pipeline

    with ctx.db.session() as session:
        row = session.get(SqlPipelineRun, ctx.params["run_id"])
        if row is None:
            raise NotFoundError(f"pipeline run {ctx.params['run_id']} no longer exists")
        pipeline = session.get(SqlPipeline, row.pipeline_id)
        assert pipeline is not None
        spec = load_spec(service.version_row(session, pipeline, row.version).spec)
        run_id, pipeline_id = row.id, pipeline.id
        sources, variables, requested = row.sources, row.variables, row.requested
    check_outputs(spec, requested)
    cache_dir = (
        ctx.settings.home / "pipelines" / ctx.workspace_id / pipeline_id / "cache"
    )
    ctx.log(f"pipeline {spec.name} version {ctx.params['version']}, run {run_id}")
    live = _LiveNodes(ctx, run_id)
    with contextlib.ExitStack() as stack:
        paths = {
            key: stack.enter_context(ctx.artifacts.local_path(src["artifact_key"]))
            for key, src in sources.items()
        }
        result = run_pipeline(
            spec,
            sources=paths,
            workdir=ctx.workdir / "run",
            variables=variables,
            cache_dir=cache_dir,
            log=lambda node, line: ctx.log(f"[{node}] {line}"),
            keep={split_ref(ref)[0] for ref in requested},
            on_node=live.update,
        )
        live.save(result.nodes.values())
        if result.failed:
            first = result.nodes[result.failed[0]]
            raise InvalidInputError(first.error or f"node '{first.id}' failed")
        outputs = {
            ref: _register_output(
                ctx, spec, result, pipeline_id, run_id, ref, name, sources
            )
            for ref, name in requested.items()
        }
    with ctx.db.session() as session:
        saved = session.get(SqlPipelineRun, run_id)
        if saved is not None:
            saved.outputs = outputs
    return {"run_id": run_id, "outputs": outputs, "duration_s": result.duration_s}


LOG_LINES = 50


def node_record(node: Any) -> dict[str, Any]:
    """A node's live status as stored on the run (and served by the run routes)."""
    return {
        "status": "queued" if node.status == "pending" else node.status,
        "op": node.op,
        "started_at": node.started_at,
        "finished_at": node.finished_at,
        "duration_s": node.duration_s,
        "rows": node.rows,
        "error": node.error,
        "fused_into": node.fused_into,
        "log": node.log[-LOG_LINES:],
    }


class _LiveNodes:
    """Writes every node's status onto the run row as the run proceeds.

    The run view and ``loom pipeline run --follow`` poll the run; saving the
    whole node map keeps one JSON column the single truth. Nodes run one at a
    time, so a node's end (and the skips and fused failures that follow it) is
    immediately followed by the next node's start or by the final ``save``:
    the map is written only then, once per node instead of on every transition.
    """

    def __init__(self, ctx: JobContext, run_id: str) -> None:
        self.ctx, self.run_id = ctx, run_id
        self.nodes: dict[str, dict[str, Any]] = {}

    def update(self, node: Any) -> None:
        """``run_pipeline``'s ``on_node`` hook: record one node; save on a start."""
        self.nodes[node.id] = node_record(node)
        if node.status == "running":
            self._write()

    def save(self, nodes: Any) -> None:
        """The final statuses of every node (including those never reached)."""
        self.nodes = {node.id: node_record(node) for node in nodes}
        self._write()

    def _write(self) -> None:
        with self.ctx.db.session() as session:
            row = session.get(SqlPipelineRun, self.run_id)
            if row is not None:
                row.nodes = {**(row.nodes or {}), **self.nodes}


def _register_output(
    ctx: JobContext,
    spec: PipelineSpec,
    result: Any,
    pipeline_id: str,
    run_id: str,
    ref: str,
    name: str,
    inputs: dict[str, Any],
) -> dict[str, Any]:
    """Store one output as a dataset version plus its fitted pipeline."""
    from pathlib import Path

    from loom.data import service as data_service
    from loom.data._parquet import sha256_file
    from loom.data._profile import profile_parquet, sample_preview
    from loom.pipelines.fitted import FittedPipeline

    node_id, _ = split_ref(ref)
    path = Path(result.output_path(ref))
    fitted = FittedPipeline.from_run(spec, result, ref)
    output = fitted.output
    key = fitted_key(ctx.workspace_id, pipeline_id, run_id, output)
    ctx.artifacts.put_bytes(json.dumps(fitted.to_dict(), sort_keys=True).encode(), key)
    row_count, columns = profile_parquet(path)
    content_hash = sha256_file(path)
    with ctx.db.session() as session:
        existing = data_service.find_dataset(
            session, workspace_id=ctx.workspace_id, ref=name
        )
        dataset_id = existing.id if existing else new_id("ds")
    data_key = data_service.dataset_artifact_key(
        ctx.workspace_id, dataset_id, content_hash
    )
    ctx.artifacts.put_file(path, data_key)
    source = {
        "kind": "pipeline",
        "pipeline": spec.name,
        "pipeline_id": pipeline_id,
        "version": int(ctx.params["version"]),
        "run_id": run_id,
        "output": output,
        "fitted_artifact": key,
        "inputs": {
            k: {"dataset": v["dataset"], "version": v["version"]}
            for k, v in inputs.items()
        },
    }
    with ctx.db.session() as session:
        _, version = data_service.register_version(
            session,
            workspace_id=ctx.workspace_id,
            name=name,
            description=f"output {output} of pipeline {spec.name}",
            dataset_id=dataset_id,
            content_hash=content_hash,
            row_count=row_count,
            size_bytes=path.stat().st_size,
            columns=[c.model_dump(mode="json") for c in columns],
            preview=sample_preview(path, 50),
            source=source,
            artifact_key=data_key,
            job_id=ctx.job_id,
        )
    ctx.log(f"[{node_id}] registered {output} as dataset {name} version {version}")
    return {"dataset": name, "version": version}
