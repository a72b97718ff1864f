"""What a pipeline run reports, per node: status, timing, logs, schema, preview, files.

These are plain pydantic records so the job layer can store them as JSON, the
API can return them, and the UI can draw a status badge and a sample table on
each box of the graph.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any, Literal

from pydantic import BaseModel, Field

NodeStatus = Literal["pending", "running", "succeeded", "failed", "skipped", "cached"]
PREVIEW_ROWS = 20


class NodeResult(BaseModel):
    """One node's outcome.

    Attributes:
        id / op: the node and its operator.
        status: pending → running → succeeded | failed | cached; skipped when
            an upstream node failed.
        duration_s: wall time of fit + apply + write (None unless it ran).
        log: the node's log lines, in order.
        rows: output port → row count.
        schemas: output port → ``[{name, type}]`` as produced (open schemas resolved).
        preview: output port → the first ``PREVIEW_ROWS`` rows as JSON-safe records.
        outputs: output port → Parquet path (full runs only).
        cache_key: the key the node's outputs are cached under (full runs).
        state: the fitted state of a stateful node (JSON), else None.
        error: why it failed or was skipped (names the node).
        started_at / finished_at: ISO-8601 UTC times, as the node ran (live
            status of full runs reads them).
        fused_into: full runs: the written node whose single query computed
            this node's rows (the node itself is a view; no rows or preview).
    """

    id: str
    op: str
    status: NodeStatus = "pending"
    duration_s: float | None = None
    log: list[str] = Field(default_factory=list)
    rows: dict[str, int] = Field(default_factory=dict)
    schemas: dict[str, list[dict[str, str]]] = Field(default_factory=dict)
    preview: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    outputs: dict[str, str] = Field(default_factory=dict)
    cache_key: str | None = None
    state: dict[str, Any] | None = None
    error: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    fused_into: str | None = None


class PipelineResult(BaseModel):
    """A whole run: its mode, overall status and every node's result (in run order)."""

    pipeline: str
    mode: Literal["quick", "full"]
    status: Literal["succeeded", "failed"]
    variables: dict[str, Any] = Field(default_factory=dict)
    sample: dict[str, Any] | None = None
    duration_s: float = 0.0
    spec: str = Field(description="The canonical JSON of the spec that ran.")
    nodes: dict[str, NodeResult] = Field(default_factory=dict)

    def node(self, node_id: str) -> NodeResult:
        """The result of ``node_id`` (KeyError if the pipeline has no such node)."""
        return self.nodes[node_id]

    def output_path(self, ref: str) -> str:
        """The Parquet file of ``"node"`` or ``"node.port"`` (full runs)."""
        node_id, _, port = ref.partition(".")
        outputs = self.nodes[node_id].outputs
        return outputs[port] if port else next(iter(outputs.values()))

    @property
    def failed(self) -> list[str]:
        """Ids of the nodes that failed."""
        return [n.id for n in self.nodes.values() if n.status == "failed"]


def json_safe(value: Any) -> Any:
    """A value from Arrow's ``to_pylist`` made JSON-safe (ISO dates, NaN → None)."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return value


def json_records(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``json_safe`` over a list of records."""
    return [{k: json_safe(v) for k, v in row.items()} for row in rows]
