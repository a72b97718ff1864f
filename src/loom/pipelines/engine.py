"""Running a pipeline: quick runs on samples in memory; full runs to Parquet, cached.

Nodes run in topological order in one DuckDB connection that spills to
``workdir`` instead of exceeding its memory limit. Each output port of a full
run is written with ``COPY … TO`` (to a temp name, then renamed) and re-read
as a view over the file, so downstream nodes stream it from disk. A node that
fails marks every node downstream ``skipped``; the rest of the graph still runs.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from loom.core.errors import InvalidInputError, LoomError
from loom.pipelines._cache import NodeCache, file_hash, link_or_copy, node_key
from loom.pipelines._duck import connect, parquet_schema, table_schema
from loom.pipelines.graph import topological_order
from loom.pipelines.operators import get_operator
from loom.pipelines.operators._sql import duck_error, ident, literal
from loom.pipelines.operators.base import Context, Frame, Query
from loom.pipelines.operators.relational import SOURCE_PORT, source_key
from loom.pipelines.results import (
    PREVIEW_ROWS,
    NodeResult,
    PipelineResult,
    json_records,
)
from loom.pipelines.spec import NodeSpec, PipelineSpec, split_ref
from loom.pipelines.validate import Checked, raise_if_invalid, run_variables

if TYPE_CHECKING:
    import duckdb

LogFn = Callable[[str, str], None]


class Sample(BaseModel):
    """How quick mode samples each source: the first N rows or N random rows."""

    mode: Literal["head", "random"] = "head"
    rows: int = Field(default=1000, ge=1, le=1_000_000)
    seed: int = Field(default=0, ge=0)


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
    run = _Run(
        spec,
        checked,
        paths,
        workdir,
        run_variables(spec, variables),
        plan,
        cache_dir,
        log,
    )
    spill = workdir / f".duckdb-{uuid.uuid4().hex[:8]}"
    con = connect(spill, memory_limit, threads)
    try:
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


class _Run:
    """The state of one run: results so far, cache keys and table names."""

    def __init__(
        self,
        spec: PipelineSpec,
        checked: Checked,
        paths: dict[str, Path],
        workdir: Path,
        variables: dict[str, Any],
        sample: Sample | None,
        cache_dir: str | Path | None,
        log: LogFn | None,
    ) -> None:
        self.checked = checked
        self.paths = paths
        self.workdir = workdir
        self.variables = variables
        self.sample = sample
        self.cache = (
            NodeCache(Path(cache_dir))
            if cache_dir is not None and sample is None
            else None
        )
        self.log_fn = log
        self.results = {n.id: NodeResult(id=n.id, op=n.op) for n in spec.nodes}
        self.keys: dict[str, str] = {}
        self.tables: dict[str, dict[str, Frame]] = {}

    def _log(self, result: NodeResult, line: str) -> None:
        result.log.append(line)
        if self.log_fn is not None:
            self.log_fn(result.id, line)

    def node(self, con: duckdb.DuckDBPyConnection, node: NodeSpec) -> None:
        """Run (or reuse, or skip) one node and record its result."""
        result = self.results[node.id]
        upstream = {port: split_ref(ref) for port, ref in node.inputs.items()}
        bad = sorted(
            {
                u
                for u, _ in upstream.values()
                if self.results[u].status in ("failed", "skipped")
            }
        )
        if bad:
            result.status = "skipped"
            result.error = (
                f"node '{node.id}' skipped: upstream node '{bad[0]}' did not succeed"
            )
            self._log(result, result.error)
            return
        result.status = "running"
        started = time.perf_counter()
        try:
            self._execute(con, node, result, upstream)
        except Exception as exc:  # any failure is this node's, reported by name
            reason = exc.message if isinstance(exc, LoomError) else duck_error(exc)
            result.status = "failed"
            result.error = f"node '{node.id}' ({node.op}) failed: {reason}"
            self._log(result, result.error)
        finally:
            result.duration_s = time.perf_counter() - started

    def _execute(
        self,
        con: duckdb.DuckDBPyConnection,
        node: NodeSpec,
        result: NodeResult,
        upstream: dict[str, tuple[str, str | None]],
    ) -> None:
        op = get_operator(node.op)
        params = self.checked.params[node.id]
        inputs = {port: self._frame(u, p) for port, (u, p) in upstream.items()}
        if node.op == "source":
            inputs[SOURCE_PORT] = self._source(con, node.id, source_key(params))
            if self.sample is None:  # a full run reads the file itself: no copy
                self._pass_source(con, node, result, inputs[SOURCE_PORT], params)
                return
        key = self._key(node, op.version, params, upstream)
        if (
            self.cache is not None
            and key is not None
            and self._reuse(con, node, result, key)
        ):
            return
        ctx = Context(
            con=con,
            node_id=node.id,
            variables=self.variables,
            log=lambda line: self._log(result, line),
        )
        state = op.fit(ctx, inputs, params) if op.stateful else None
        queries = op.apply(ctx, inputs, params, state or {})
        files: dict[str, Path] = {}
        frames: dict[str, Frame] = {}
        for port in op.outputs:
            table = f"n__{node.id}__{port}"
            written = self._materialize(con, node.id, port, table, queries[port])
            if written is not None:
                files[port] = written
            frames[port] = self._describe(con, table, result, port)
        self.tables[node.id] = frames
        result.state = state
        result.outputs = {p: str(f) for p, f in files.items()}
        result.status = "succeeded"
        self._log(
            result, f"{', '.join(f'{p}: {n} rows' for p, n in result.rows.items())}"
        )
        if self.cache is not None and key is not None:
            self.cache.store(key, files, {"state": state, "log": result.log})

    def _materialize(
        self,
        con: duckdb.DuckDBPyConnection,
        node_id: str,
        port: str,
        table: str,
        query: Query,
    ) -> Path | None:
        """Quick runs keep a table in memory; full runs write Parquet and view it."""
        if self.sample is not None:
            sql = f"CREATE OR REPLACE TABLE {ident(table)} AS {query.sql}"
            con.execute(sql, query.params)
            return None
        path = self._write(con, node_id, port, query.sql, query.params)
        con.execute(
            f"CREATE OR REPLACE VIEW {ident(table)} AS SELECT * FROM "
            f"read_parquet({literal(str(path))})"
        )
        return path

    def _pass_source(
        self,
        con: duckdb.DuckDBPyConnection,
        node: NodeSpec,
        result: NodeResult,
        frame: Frame,
        params: Any,
    ) -> None:
        """Expose the source file as the node's output (keyed by its content)."""
        path = self.paths[source_key(params)]
        key = self._key(node, get_operator(node.op).version, params, {})
        table = f"n__{node.id}__output"
        sql = f"CREATE OR REPLACE VIEW {ident(table)} AS SELECT * FROM "
        con.execute(sql + ident(frame.table))
        self.tables[node.id] = {"output": self._describe(con, table, result, "output")}
        result.outputs = {"output": str(path)}
        result.status = "succeeded"
        if self.cache is not None and key is not None:
            # Nothing to copy: the entry only records that this content was seen.
            seen = self.cache.load(key) is not None
            result.status = "cached" if seen else "succeeded"
            if not seen:
                self.cache.store(key, {}, {"state": None, "log": []})
        self._log(result, f"reading {path}: {result.rows['output']} rows")

    def _frame(self, node_id: str, port: str | None) -> Frame:
        frames = self.tables[node_id]
        return frames[port] if port else next(iter(frames.values()))

    def _source(self, con: duckdb.DuckDBPyConnection, node_id: str, key: str) -> Frame:
        table = f"src__{node_id}"
        read = f"SELECT * FROM read_parquet({literal(str(self.paths[key]))})"
        if self.sample is None:
            con.execute(f"CREATE OR REPLACE VIEW {ident(table)} AS {read}")
        elif self.sample.mode == "head":
            con.execute(
                f"CREATE OR REPLACE TABLE {ident(table)} AS {read} LIMIT "
                f"{self.sample.rows}"
            )
        else:
            con.execute(
                f"CREATE OR REPLACE TABLE {ident(table)} AS {read} "
                f"USING SAMPLE reservoir({self.sample.rows} ROWS) REPEATABLE "
                f"({self.sample.seed})"
            )
        return Frame(table, table_schema(con, table))

    def _write(
        self,
        con: duckdb.DuckDBPyConnection,
        node_id: str,
        port: str,
        sql: str,
        binds: dict[str, Any],
    ) -> Path:
        final = self.workdir / "nodes" / node_id / f"{port}.parquet"
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{port}.{uuid.uuid4().hex}.tmp.parquet")
        try:
            con.execute(f"COPY ({sql}) TO {literal(str(tmp))} (FORMAT parquet)", binds)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    def _describe(
        self, con: duckdb.DuckDBPyConnection, table: str, result: NodeResult, port: str
    ) -> Frame:
        schema = table_schema(con, table)
        result.schemas[port] = schema.as_records()
        result.rows[port] = int(
            con.execute(f"SELECT count(*) FROM {ident(table)}").fetchall()[0][0]
        )
        preview = con.sql(
            f"SELECT * FROM {ident(table)} LIMIT {PREVIEW_ROWS}"
        ).to_arrow_table()
        result.preview[port] = json_records(preview.to_pylist())
        return Frame(table, schema)

    def _key(
        self,
        node: NodeSpec,
        version: str,
        params: Any,
        upstream: dict[str, tuple[str, str | None]],
    ) -> str | None:
        if self.cache is None:
            return None
        op = get_operator(node.op)
        inputs = {
            port: f"{self.keys[u]}.{p or ''}" for port, (u, p) in upstream.items()
        }
        source = (
            file_hash(self.paths[source_key(params)]) if node.op == "source" else None
        )
        used = {
            name: self.variables.get(name) for name in sorted(op.variables_used(params))
        }
        key = node_key(
            node.op, version, params.model_dump(mode="json"), inputs, source, used
        )
        self.keys[node.id] = key
        self.results[node.id].cache_key = key
        return key

    def _reuse(
        self,
        con: duckdb.DuckDBPyConnection,
        node: NodeSpec,
        result: NodeResult,
        key: str,
    ) -> bool:
        assert self.cache is not None
        meta = self.cache.load(key)
        if meta is None:
            return False
        frames: dict[str, Frame] = {}
        for port in meta["ports"]:
            final = self.workdir / "nodes" / node.id / f"{port}.parquet"
            link_or_copy(self.cache.file(key, port), final)
            table = f"n__{node.id}__{port}"
            con.execute(
                f"CREATE OR REPLACE VIEW {ident(table)} AS SELECT * FROM "
                f"read_parquet({literal(str(final))})"
            )
            frames[port] = self._describe(con, table, result, port)
            result.outputs[port] = str(final)
        self.tables[node.id] = frames
        result.state = meta.get("state")
        result.status = "cached"
        self._log(result, f"cached: reused outputs of key {key[:12]}")
        return True
