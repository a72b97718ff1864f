"""Full-run planning: which nodes stay SQL views, fused into the next written node.

Writing every node's output to Parquet and reading it back dominated full runs
(the 10M-row benchmark spent most of its time in ``COPY … TO``). So a full run
writes a node only where its rows are needed as rows: outputs (sinks and the
nodes the caller keeps), fan-out points (a node read by several consumers, or
by a consumer's ``input`` and ``fit`` ports), operators that bind variables,
work in memory, have several ports or run Python. Every other node becomes a
view; DuckDB composes the views into the query of the written node they feed,
its *anchor*, and runs the whole group in one streaming pass. Fitted operators
inside a group still fit with one aggregate query over their input view, which
DuckDB prunes to the columns the fit reads.

Row order: a group ending in an ``aggregate`` reached only through row-wise
operators does not depend on the order of its rows, so its encoders may use
joins (which do not keep order) instead of order-keeping ``CASE`` lookups.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from loom.pipelines.graph import topological_order
from loom.pipelines.operators import get_operator
from loom.pipelines.spec import PipelineSpec, split_ref

# Operators that map each row to at most one row on their own: rows may be
# reordered before them without changing an aggregate computed after them.
ROW_WISE = frozenset(
    {"impute", "scale", "encode", "date_parts", "select", "drop", "rename", "cast"}
)
# Operators whose SQL reads Python-registered data or runs arbitrary code.
UNFUSABLE = frozenset({"source", "python"})


@dataclass(frozen=True)
class Plan:
    """Where each node's rows are computed.

    Attributes:
        anchor: node → the written node whose query computes it (itself when
            the node is written).
        unordered: nodes whose output row order nothing downstream observes.
    """

    anchor: dict[str, str]
    unordered: frozenset[str]

    def fused(self, node_id: str) -> bool:
        """True when the node is a view computed inside its anchor's query."""
        return self.anchor.get(node_id, node_id) != node_id

    def members(self, anchor: str) -> list[str]:
        """The fused nodes of ``anchor``'s group (not the anchor), in run order."""
        return [n for n, a in self.anchor.items() if a == anchor and n != anchor]


def plan_run(
    spec: PipelineSpec,
    variables_used: dict[str, set[str]],
    *,
    keep: Collection[str] = (),
    quick: bool = False,
) -> Plan:
    """Plan a run (quick runs write, i.e. keep in memory, every node).

    Args:
        spec: the pipeline.
        variables_used: node → variables its parameters bind (binds cannot be
            part of a view, so such nodes are written).
        keep: nodes whose outputs the caller reads (besides the sinks).
        quick: quick mode: nothing is fused, every node keeps a preview.
    """
    order = topological_order(spec)
    consumers: dict[str, list[str]] = {n: [] for n in order}
    for node in spec.nodes:
        for ref in node.inputs.values():
            consumers[split_ref(ref)[0]].append(node.id)
    anchor: dict[str, str] = {}
    for node_id in reversed(order):
        node = spec.node(node_id)
        op = get_operator(node.op)
        fusable = not (
            quick
            or node_id in keep
            or node.op in UNFUSABLE
            or op.in_memory
            or len(op.outputs) != 1
            or variables_used.get(node_id)
            or len(consumers[node_id]) != 1
        )
        anchor[node_id] = anchor[consumers[node_id][0]] if fusable else node_id
    anchor = {n: anchor[n] for n in order}
    unordered = set()
    for node_id in order:
        at, path_ok = node_id, True
        while at != anchor[node_id]:
            at = consumers[at][0]
            path_ok = path_ok and (
                at == anchor[node_id] or spec.node(at).op in ROW_WISE
            )
        if node_id != at and path_ok and spec.node(at).op == "aggregate":
            unordered.add(node_id)
    return Plan(anchor=anchor, unordered=frozenset(unordered))
