"""The DAG view of a spec: who feeds whom, a topological order, and cycles."""

from __future__ import annotations

from loom.core.errors import InvalidInputError
from loom.pipelines.spec import PipelineSpec, split_ref


def parents(spec: PipelineSpec) -> dict[str, list[str]]:
    """Node id → the ids of the nodes its inputs reference (existing ones only)."""
    ids = {n.id for n in spec.nodes}
    return {
        n.id: sorted({split_ref(ref)[0] for ref in n.inputs.values()} & ids)
        for n in spec.nodes
    }


def find_cycle(spec: PipelineSpec) -> list[str] | None:
    """The node ids along one cycle (first node repeated at the end), or None."""
    graph = parents(spec)
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for parent in graph[node]:
            if state.get(parent) == 1:
                return [*stack[stack.index(parent) :], parent]
            if parent not in state:
                found = visit(parent)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return list(reversed(found))
    return None


def topological_order(spec: PipelineSpec) -> list[str]:
    """Node ids, each after the nodes it reads (ties keep the spec's order).

    Raises:
        InvalidInputError: the graph has a cycle (the message names its nodes).
    """
    cycle = find_cycle(spec)
    if cycle:
        raise InvalidInputError(
            f"pipeline has a cycle: {' -> '.join(cycle)}", details={"cycle": cycle}
        )
    graph = parents(spec)
    done: set[str] = set()
    order: list[str] = []
    pending = [n.id for n in spec.nodes]
    while pending:
        for node in pending:
            if all(p in done for p in graph[node]):
                order.append(node)
                done.add(node)
                pending.remove(node)
                break
    return order


def ancestors(
    spec: PipelineSpec, node_id: str, *, skip_ports: frozenset[str] = frozenset()
) -> set[str]:
    """``node_id`` and every node upstream of it, not following ``skip_ports``."""
    by_id = {n.id: n for n in spec.nodes}
    seen: set[str] = set()
    todo = [node_id]
    while todo:
        current = todo.pop()
        if current in seen or current not in by_id:
            continue
        seen.add(current)
        for port, ref in by_id[current].inputs.items():
            if port not in skip_ports:
                todo.append(split_ref(ref)[0])
    return seen
