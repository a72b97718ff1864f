"""Whole-pipeline validation from schemas alone, before any data is read.

Every problem becomes an ``Issue`` naming the node (and the column, port or
variable) so the UI can put a red mark on the right box and the CLI can print
one line per problem. All issues are collected, not just the first, because a
user fixing a pipeline wants the whole list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from loom.core.errors import InvalidInputError
from loom.pipelines.graph import find_cycle, topological_order
from loom.pipelines.operators import get_operator, known_operator
from loom.pipelines.operators.base import VARIABLE
from loom.pipelines.operators.relational import SOURCE_PORT, source_key
from loom.pipelines.schema import Schema
from loom.pipelines.spec import NodeSpec, PipelineSpec, split_ref


class Issue(BaseModel):
    """One validation finding.

    Attributes:
        code: cycle, duplicate_node, unknown_op, bad_params, missing_input,
            unknown_port, unknown_node, ambiguous_port, missing_source,
            missing_column, type_mismatch, invalid_node, undefined_variable,
            unused_variable.
        severity: "error" blocks a run; "warning" does not (unused variables).
        node / column / port / variable: what the finding is about, when it applies.
    """

    code: str
    severity: Literal["error", "warning"] = "error"
    message: str
    node: str | None = None
    column: str | None = None
    port: str | None = None
    variable: str | None = None
    details: dict[str, Any] = {}


@dataclass
class Checked:
    """Validation's full answer: the issues and each port's inferred schema."""

    issues: list[Issue] = field(default_factory=list)
    schemas: dict[str, dict[str, Schema]] = field(default_factory=dict)
    params: dict[str, BaseModel] = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        """Issues that block a run."""
        return [i for i in self.issues if i.severity == "error"]


def validate(
    spec: PipelineSpec,
    source_schemas: Mapping[str, Schema],
    variables: Mapping[str, Any] | None = None,
) -> list[Issue]:
    """Every problem with ``spec``, found from schemas only.

    Args:
        spec: the pipeline.
        source_schemas: schema per source key (``dataset`` or ``dataset@version``,
            see ``source_refs``).
        variables: run-time overrides of the spec's variables.
    """
    return check(spec, source_schemas, variables).issues


def raise_if_invalid(
    spec: PipelineSpec,
    source_schemas: Mapping[str, Schema],
    variables: Mapping[str, Any] | None = None,
) -> Checked:
    """Validate and raise on the first error; return the inferred schemas otherwise.

    Raises:
        InvalidInputError: the first error's message; ``details["issues"]``
            holds every issue as JSON.
    """
    checked = check(spec, source_schemas, variables)
    if checked.errors:
        first = checked.errors[0]
        more = len(checked.errors) - 1
        suffix = f" (and {more} more issue{'s' if more > 1 else ''})" if more else ""
        raise InvalidInputError(
            first.message + suffix,
            details={"issues": [i.model_dump() for i in checked.issues]},
        )
    return checked


def source_refs(spec: PipelineSpec) -> list[str]:
    """The source keys a caller must resolve to Parquet paths (sorted, unique)."""
    keys = set()
    for node in spec.nodes:
        if node.op == "source":
            try:
                keys.add(source_key(get_operator("source").parse_params(node.params)))
            except InvalidInputError:
                continue
    return sorted(keys)


def run_variables(
    spec: PipelineSpec, overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The spec's variables with a run's overrides applied."""
    return {**spec.variables, **dict(overrides or {})}


def check(
    spec: PipelineSpec,
    source_schemas: Mapping[str, Schema],
    variables: Mapping[str, Any] | None = None,
) -> Checked:
    """Validate and infer schemas; see ``validate``."""
    out = Checked()
    values = run_variables(spec, variables)
    seen: set[str] = set()
    for node in spec.nodes:
        if node.id in seen:
            out.issues.append(
                _issue("duplicate_node", node, f"node id '{node.id}' is used twice")
            )
        seen.add(node.id)
    cycle = find_cycle(spec)
    if cycle:
        out.issues.append(
            Issue(
                code="cycle",
                node=cycle[0],
                message=f"pipeline has a cycle: {' -> '.join(cycle)}",
                details={"cycle": cycle},
            )
        )
    _check_variables(spec, values, out)
    if cycle or len(seen) != len(spec.nodes):
        for node in spec.nodes:
            _parse(node, out)
        return out
    by_id = {n.id: n for n in spec.nodes}
    for node_id in topological_order(spec):
        node = by_id[node_id]
        if _parse(node, out) and _check_ports(node, by_id, out):
            _infer(node, source_schemas, values, out)
    return out


def _issue(code: str, node: NodeSpec, message: str, **extra: Any) -> Issue:
    return Issue(
        code=code,
        node=node.id,
        message=f"node '{node.id}' ({node.op}): {message}",
        **extra,
    )


def _parse(node: NodeSpec, out: Checked) -> bool:
    if not known_operator(node.op):
        try:
            get_operator(node.op)
        except InvalidInputError as exc:
            out.issues.append(
                _issue("unknown_op", node, exc.message, details=exc.details)
            )
        return False
    try:
        out.params[node.id] = get_operator(node.op).parse_params(node.params)
    except InvalidInputError as exc:
        param = exc.details.get("parameter")
        out.issues.append(
            _issue(
                "bad_params",
                node,
                exc.message,
                details={**exc.details, "parameter": param},
            )
        )
        return False
    return True


def _check_ports(node: NodeSpec, by_id: dict[str, NodeSpec], out: Checked) -> bool:
    problems = _port_problems(node) + _reference_problems(node, by_id)
    for code, port, message in problems:
        out.issues.append(_issue(code, node, message, port=port))
    return not problems


def _port_problems(node: NodeSpec) -> list[tuple[str, str, str]]:
    """(code, port, message) for unconnected required ports and unknown ports."""
    op = get_operator(node.op)
    found = [
        ("missing_input", port, f"input port '{port}' is not connected")
        for port in op.required_inputs
        if port not in node.inputs
    ]
    if not op.variadic_inputs:
        valid = ", ".join(op.all_inputs) or "none"
        found += [
            ("unknown_port", port, f"has no input port '{port}'; ports: {valid}")
            for port in sorted(set(node.inputs) - set(op.all_inputs))
        ]
    return found


def _reference_problems(
    node: NodeSpec, by_id: dict[str, NodeSpec]
) -> list[tuple[str, str, str]]:
    """(code, port, message) for references to absent nodes or output ports."""
    found = []
    for port, ref in node.inputs.items():
        upstream_id, upstream_port = split_ref(ref)
        upstream = by_id.get(upstream_id)
        if upstream is None:
            found.append(
                (
                    "unknown_node",
                    port,
                    f"input '{port}' references node '{upstream_id}', which does "
                    f"not exist; nodes: {', '.join(by_id)}",
                )
            )
            continue
        if not known_operator(upstream.op):
            continue
        outputs = get_operator(upstream.op).outputs
        if upstream_port is None and len(outputs) > 1:
            names = " or ".join(f"'{upstream_id}.{p}'" for p in outputs)
            message = f"input '{port}' must name the port: {names}"
            found.append(("ambiguous_port", port, message))
        elif upstream_port is not None and upstream_port not in outputs:
            message = (
                f"input '{port}' references '{ref}', but '{upstream_id}' has "
                f"outputs: {', '.join(outputs)}"
            )
            found.append(("unknown_port", port, message))
    return found


def _infer(
    node: NodeSpec, sources: Mapping[str, Schema], values: dict[str, Any], out: Checked
) -> None:
    op = get_operator(node.op)
    params = out.params[node.id]
    inputs: dict[str, Schema] = {}
    if node.op == "source":
        key = source_key(params)
        if key not in sources:
            known = ", ".join(sorted(sources)) or "none"
            out.issues.append(
                _issue(
                    "missing_source",
                    node,
                    f"dataset '{key}' is not available; known: {known}",
                    details={"dataset": key},
                )
            )
            return
        inputs[SOURCE_PORT] = sources[key]
    for port, ref in node.inputs.items():
        upstream_id, upstream_port = split_ref(ref)
        produced = out.schemas.get(upstream_id)
        if produced is None:
            return  # the upstream node already has an issue; do not cascade
        inputs[port] = produced[upstream_port or next(iter(produced))]
    try:
        out.schemas[node.id] = op.schema_with(inputs, params, values)
    except InvalidInputError as exc:
        column = exc.details.get("column")
        code = (
            "type_mismatch"
            if "type" in exc.details
            else ("missing_column" if "available" in exc.details else "invalid_node")
        )
        out.issues.append(
            _issue(code, node, exc.message, column=column, details=exc.details)
        )


def _check_variables(spec: PipelineSpec, values: dict[str, Any], out: Checked) -> None:
    used: set[str] = set()
    for node in spec.nodes:
        for name in sorted(_placeholders(node.params)):
            used.add(name)
            if name not in values:
                defined = ", ".join(sorted(values)) or "none"
                out.issues.append(
                    _issue(
                        "undefined_variable",
                        node,
                        f"uses undefined variable ${{{name}}}; defined: {defined}",
                        variable=name,
                    )
                )
    for name in sorted(set(spec.variables) - used):
        out.issues.append(
            Issue(
                code="unused_variable",
                severity="warning",
                variable=name,
                message=f"variable '{name}' is defined but no node uses it",
            )
        )


def _placeholders(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(VARIABLE.findall(value))
    if isinstance(value, dict):
        return (
            set().union(*(_placeholders(v) for v in value.values())) if value else set()
        )
    if isinstance(value, list):
        return set().union(*(_placeholders(v) for v in value)) if value else set()
    return set()
