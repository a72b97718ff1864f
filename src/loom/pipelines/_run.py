"""One run, node by node: fit, apply, write or fuse, reuse from cache, report.

``engine.run_pipeline`` validates and plans, then hands every node in
topological order to ``NodeRunner.node``; see the engine's module docstring
for the planning and caching rules this class carries out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loom.core.errors import LoomError
from loom.pipelines._cache import NodeCache, file_hash, link_or_copy, node_key
from loom.pipelines._duck import table_schema
from loom.pipelines._outputs import (
    Sample,
    describe,
    now_iso,
    source_frame,
    view_file,
    write_parquet,
)
from loom.pipelines._plan import Plan
from loom.pipelines.operators import get_operator
from loom.pipelines.operators._sql import duck_error, ident
from loom.pipelines.operators.base import Context, Frame, Query
from loom.pipelines.operators.relational import SOURCE_PORT, source_key
from loom.pipelines.results import NodeResult
from loom.pipelines.spec import NodeSpec, PipelineSpec, split_ref
from loom.pipelines.validate import Checked

if TYPE_CHECKING:
    import duckdb

LogFn = Callable[[str, str], None]
NodeFn = Callable[[NodeResult], None]


class NodeRunner:
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
        hooks: tuple[LogFn | None, NodeFn | None],
        plan: Plan,
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
        self.log_fn, self.on_node = hooks
        self.plan = plan
        self.results = {n.id: NodeResult(id=n.id, op=n.op) for n in spec.nodes}
        self.keys: dict[str, str] = {}
        self.tables: dict[str, dict[str, Frame]] = {}

    def _log(self, result: NodeResult, line: str) -> None:
        result.log.append(line)
        if self.log_fn is not None:
            self.log_fn(result.id, line)

    def _notify(self, result: NodeResult) -> None:
        if self.on_node is not None:
            self.on_node(result)

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
            result.finished_at = now_iso()
            self._notify(result)
            return
        result.status = "running"
        result.started_at = now_iso()
        self._notify(result)
        started = time.perf_counter()
        try:
            self._execute(con, node, result, upstream)
        except Exception as exc:  # any failure is this node's, reported by name
            reason = exc.message if isinstance(exc, LoomError) else duck_error(exc)
            result.status = "failed"
            result.error = f"node '{node.id}' ({node.op}) failed: {reason}"
            self._log(result, result.error)
            self._fail_fused(node.id)
        finally:
            result.duration_s = time.perf_counter() - started
            result.finished_at = now_iso()
            self._notify(result)

    def _fail_fused(self, anchor: str) -> None:
        """Nodes fused into ``anchor`` never produced rows: they failed with it."""
        for member in self.results.values():
            if member.fused_into == anchor and member.status == "succeeded":
                member.status = "failed"
                member.error = (
                    f"node '{member.id}' failed: its rows are computed in node "
                    f"'{anchor}''s query, which failed"
                )
                self._log(member, member.error)
                self._notify(member)

    def _execute(
        self,
        con: duckdb.DuckDBPyConnection,
        node: NodeSpec,
        result: NodeResult,
        upstream: dict[str, tuple[str, str | None]],
    ) -> None:
        op = get_operator(node.op)
        params = self.checked.params[node.id]
        if node.op == "source":
            frame = source_frame(
                con, node.id, self.paths[source_key(params)], self.sample
            )
            if self.sample is None:  # a full run reads the file itself: no copy
                self._pass_source(con, node, result, frame, params)
                return
        key = self.keys.get(node.id) if self.cache is not None else None
        if key is not None and self._reuse(con, node, result, key):
            return
        inputs = {port: self._frame(u, p) for port, (u, p) in upstream.items()}
        if node.op == "source":
            inputs[SOURCE_PORT] = frame
        ctx = Context(
            con=con,
            node_id=node.id,
            variables=self.variables,
            log=lambda line: self._log(result, line),
            row_order=node.id not in self.plan.unordered,
        )
        state = op.fit(ctx, inputs, params) if op.stateful else None
        queries = op.apply(ctx, inputs, params, state or {})
        result.state = state
        if self.plan.fused(node.id) and not queries["output"].params:
            self._view(con, node, result, queries["output"])
            return
        files: dict[str, Path] = {}
        frames: dict[str, Frame] = {}
        for port in op.outputs:
            table = f"n__{node.id}__{port}"
            written = self._materialize(con, node.id, port, table, queries[port])
            if written is not None:
                files[port] = written
            frames[port] = describe(con, table, result, port)
        self.tables[node.id] = frames
        result.outputs = {p: str(f) for p, f in files.items()}
        result.status = "succeeded"
        self._finish(node, result, files, key)

    def _finish(
        self,
        node: NodeSpec,
        result: NodeResult,
        files: dict[str, Path],
        key: str | None,
    ) -> None:
        """Log the row counts (and the fused group), store the cache entry."""
        members = self.plan.members(node.id) if self.sample is None else []
        if members:
            self._log(
                result,
                f"ran the fused group {', '.join(members)} → {node.id} in one query; "
                "this duration covers the whole group",
            )
        self._log(
            result, f"{', '.join(f'{p}: {n} rows' for p, n in result.rows.items())}"
        )
        if self.cache is not None and key is not None:
            fused = {
                m: {"state": self.results[m].state, "log": self.results[m].log}
                for m in members
            }
            meta = {"state": result.state, "log": result.log, "members": fused}
            self.cache.store(key, files, meta)

    def _view(
        self,
        con: duckdb.DuckDBPyConnection,
        node: NodeSpec,
        result: NodeResult,
        query: Query,
    ) -> None:
        """A fused node: its SELECT becomes a view read by its consumer's query."""
        anchor = self.plan.anchor[node.id]
        table = f"n__{node.id}__output"
        con.execute(f"CREATE OR REPLACE VIEW {ident(table)} AS {query.sql}")
        schema = table_schema(con, table)
        result.schemas["output"] = schema.as_records()
        self.tables[node.id] = {"output": Frame(table, schema)}
        result.status = "succeeded"
        result.fused_into = anchor
        self._log(
            result,
            f"fused into '{anchor}': its rows are computed in that node's query "
            "(the duration here is fitting and planning only)",
        )

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
        final = self.workdir / "nodes" / node_id / f"{port}.parquet"
        path = write_parquet(con, final, query.sql, query.params)
        view_file(con, table, path)
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
        key = self.keys.get(node.id)
        table = f"n__{node.id}__output"
        sql = f"CREATE OR REPLACE VIEW {ident(table)} AS SELECT * FROM "
        con.execute(sql + ident(frame.table))
        self.tables[node.id] = {"output": describe(con, table, result, "output")}
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

    def key_of(self, node: NodeSpec) -> str | None:
        """Compute (in run order) the node's cache key: planned before anything runs.

        Keys are known up front so a fused node can find its group's entry.
        """
        if self.cache is None:
            return None
        op = get_operator(node.op)
        params = self.checked.params[node.id]
        upstream = {port: split_ref(ref) for port, ref in node.inputs.items()}
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
            node.op, op.version, params.model_dump(mode="json"), inputs, source, used
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
        """Restore a node from the cache; a fused node from its group's entry."""
        assert self.cache is not None
        anchor = self.plan.anchor[node.id]
        meta = self.cache.load(self.keys[anchor])
        if anchor != node.id:
            member = (meta or {}).get("members", {}).get(node.id)
            if member is None:
                return False
            self.tables[node.id] = {}  # read by nobody: its group is restored whole
            result.state, result.fused_into = member.get("state"), anchor
            result.status = "cached"
            self._log(result, f"cached: restored with fused group of '{anchor}'")
            return True
        if meta is None:
            return False
        frames: dict[str, Frame] = {}
        for port in meta["ports"]:
            final = self.workdir / "nodes" / node.id / f"{port}.parquet"
            link_or_copy(self.cache.file(key, port), final)
            table = f"n__{node.id}__{port}"
            view_file(con, table, final)
            frames[port] = describe(con, table, result, port)
            result.outputs[port] = str(final)
        self.tables[node.id] = frames
        result.state = meta.get("state")
        result.status = "cached"
        self._log(result, f"cached: reused outputs of key {key[:12]}")
        return True
