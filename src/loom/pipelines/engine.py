"""Running a pipeline: quick runs on samples in memory; full runs to Parquet, cached.

Nodes run in topological order in one DuckDB connection that spills to
``workdir`` instead of exceeding its memory limit. A full run is planned first
(``_plan``): a node with one consumer stays a view and is *fused* into the
query of the next written node; written outputs go through ``COPY … TO`` (to
a temp name, then renamed) and are re-read as views over the file, so
downstream nodes stream them from disk. A node that fails marks every node
downstream ``skipped``; the rest of the graph still runs. ``on_node`` sees each
node's result whenever its status changes, so a job can show live progress.

Caching of fused groups: only written nodes have cache entries. A group's
entry is keyed by its written (last) node's key, which already hashes every
upstream key, parameter and source; it also keeps each fused node's fitted
state and log, so a hit restores the whole group without running it.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from loom.core.errors import InvalidInputError
from loom.pipelines._duck import connect, parquet_schema
from loom.pipelines._outputs import Sample
from loom.pipelines._plan import plan_run
from loom.pipelines._run import LogFn, NodeFn, NodeRunner
from loom.pipelines.graph import topological_order
from loom.pipelines.operators import get_operator
from loom.pipelines.results import PipelineResult
from loom.pipelines.spec import PipelineSpec
from loom.pipelines.validate import raise_if_invalid, run_variables

__all__ = ["LogFn", "NodeFn", "Sample", "run_pipeline"]


def run_pipeline(
    spec: PipelineSpec,
    *,
    sources: Mapping[str, str | Path],
    workdir: str | Path,
    variables: Mapping[str, Any] | None = None,
    sample: Sample | Mapping[str, Any] | None = None,
    cache_dir: str | Path | None = None,
    log: LogFn | None = None,
    memory_limit: str = "2GB",
    threads: int | None = None,
    keep: Collection[str] = (),
    on_node: NodeFn | None = None,
) -> PipelineResult:
    """Validate, then run every node; quick mode when ``sample`` is given.

    Args:
        spec: the pipeline.
        sources: source key (``dataset`` or ``dataset@version``) → Parquet path.
        workdir: where full-run outputs (``nodes/<id>/<port>.parquet``) and
            DuckDB's spill files go.
        variables: overrides of the spec's variables for this run.
        sample: quick mode: ``{"mode": "head"|"random", "rows": N, "seed": s}``;
            outputs stay in memory and are not cached.
        cache_dir: full runs: reuse and store node outputs here.
        log: called as ``log(node_id, line)`` for every log line, as it happens.
        memory_limit / threads: DuckDB's limits for this run.
        keep: full runs: nodes whose outputs must be written even when they
            could be fused (sinks always are); e.g. the outputs a job registers.
        on_node: called with a node's result each time its status changes.

    Raises:
        InvalidInputError: the spec does not validate (every issue is in
            ``details["issues"]``) or a source path is missing.
    """
    started = time.perf_counter()
    paths = {key: Path(p) for key, p in sources.items()}
    for key, path in paths.items():
        if not path.is_file():
            raise InvalidInputError(
                f"source '{key}': no Parquet file at {path}", details={"dataset": key}
            )
    checked = raise_if_invalid(
        spec, {k: parquet_schema(p) for k, p in paths.items()}, variables
    )
    plan = (
        Sample.model_validate(dict(sample)) if isinstance(sample, Mapping) else sample
    )
    workdir = Path(workdir)
    values = run_variables(spec, variables)
    used = {
        n.id: get_operator(n.op).variables_used(checked.params[n.id])
        for n in spec.nodes
    }
    run = NodeRunner(
        spec,
        checked,
        paths,
        workdir,
        values,
        plan,
        cache_dir,
        (log, on_node),
        plan_run(spec, used, keep=keep, quick=plan is not None),
    )
    spill = workdir / f".duckdb-{uuid.uuid4().hex[:8]}"
    con = connect(spill, memory_limit, threads)
    try:
        for node_id in topological_order(spec):
            run.key_of(spec.node(node_id))
        for node_id in topological_order(spec):
            run.node(con, spec.node(node_id))
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    failed = any(n.status == "failed" for n in run.results.values())
    return PipelineResult(
        pipeline=spec.name,
        mode="quick" if plan else "full",
        status="failed" if failed else "succeeded",
        variables=run.variables,
        sample=plan.model_dump() if plan else None,
        duration_s=time.perf_counter() - started,
        spec=spec.canonical_json(),
        nodes=run.results,
    )
