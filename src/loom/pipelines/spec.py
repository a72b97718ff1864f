"""The stored form of a pipeline: nodes, their operators, parameters and wiring.

A pipeline written as YAML, as JSON, with the SDK builder or in the UI editor
must become ONE stored spec, so that two people who built the same pipeline in
different ways see no diff. ``canonical_json`` is that form: sorted keys,
operator defaults filled in, input references spelled ``node.port``.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt
from pydantic import ValidationError as PydanticValidationError

from loom.core.errors import InvalidInputError

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
Variable = StrictBool | StrictInt | StrictFloat | str


class NodeSpec(BaseModel):
    """One operator instance.

    Attributes:
        id: unique within the pipeline; also names the node's output tables.
        op: the registered operator name (``loom.pipelines.operators``).
        params: the operator's parameters; defaults are filled by canonicalising.
        inputs: input port → ``"node_id"`` (its only output) or ``"node_id.port"``.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=IDENTIFIER, max_length=64)
    op: str
    params: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, str] = Field(default_factory=dict)


class PipelineSpec(BaseModel):
    """A DAG of operator nodes plus the variables its SQL may use.

    Attributes:
        name: the pipeline's name.
        variables: default values of ``${name}`` placeholders, overridable per
            run (``run_date`` for a scheduled run, say).
        nodes: the operators, in any order (the engine sorts them).
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    variables: dict[str, Variable] = Field(default_factory=dict)
    nodes: list[NodeSpec] = Field(default_factory=list)

    def node(self, node_id: str) -> NodeSpec:
        """The node called ``node_id``.

        Raises:
            InvalidInputError: no such node (the message lists the node ids).
        """
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise InvalidInputError(
            f"pipeline '{self.name}' has no node '{node_id}'; nodes: "
            f"{', '.join(n.id for n in self.nodes)}",
            details={"node": node_id},
        )

    def canonical(self) -> PipelineSpec:
        """This spec with defaults filled and input references as ``node.port``.

        Nodes whose operator or parameters are invalid are left as written, so
        that canonicalising never hides an error validation must report.
        """
        from loom.pipelines.operators import get_operator, known_operator

        ops = {n.id: n.op for n in self.nodes}
        nodes = []
        for node in self.nodes:
            params = dict(node.params)
            if known_operator(node.op):
                with contextlib.suppress(InvalidInputError):
                    parsed = get_operator(node.op).parse_params(params)
                    params = parsed.model_dump(mode="json")
            inputs = {
                port: _full_ref(ref, ops) for port, ref in sorted(node.inputs.items())
            }
            nodes.append(NodeSpec(id=node.id, op=node.op, params=params, inputs=inputs))
        return PipelineSpec(name=self.name, variables=dict(self.variables), nodes=nodes)

    def canonical_json(self) -> str:
        """The byte-stable stored form: canonical, sorted keys, no spaces."""
        data = self.canonical().model_dump(mode="json")
        return json.dumps(
            data, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )


def split_ref(ref: str) -> tuple[str, str | None]:
    """``"a.train"`` → ``("a", "train")``; ``"a"`` → ``("a", None)``."""
    node, _, port = ref.partition(".")
    return node, (port or None)


def _full_ref(ref: str, ops: dict[str, str]) -> str:
    from loom.pipelines.operators import get_operator, known_operator

    node, port = split_ref(ref)
    if port is None and node in ops and known_operator(ops[node]):
        outputs = get_operator(ops[node]).outputs
        if len(outputs) == 1:
            return f"{node}.{outputs[0]}"
    return ref


def load_spec(data: dict[str, Any]) -> PipelineSpec:
    """Parse a decoded YAML/JSON document.

    Raises:
        InvalidInputError: the document is not a pipeline (names the field).
    """
    try:
        return PipelineSpec.model_validate(data)
    except PydanticValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "pipeline"
        raise InvalidInputError(
            f"invalid pipeline spec at '{where}': {error['msg']}",
            details={"location": where},
        ) from None


def loads_spec(text: str, *, format: str = "yaml") -> PipelineSpec:
    """Parse pipeline text; ``format`` is ``yaml`` or ``json`` (YAML reads JSON too).

    Raises:
        InvalidInputError: unparseable text (with its line) or an invalid spec.
    """
    import yaml

    try:
        data = json.loads(text) if format == "json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"pipeline JSON, line {exc.lineno}: {exc.msg}"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else "pipeline YAML"
        raise InvalidInputError(f"pipeline YAML, {line}: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInputError(
            "a pipeline file must hold a mapping with 'name' and 'nodes'"
        )
    return load_spec(data)


def read_spec(path: str | Path) -> PipelineSpec:
    """Load a ``.yaml``/``.yml``/``.json`` pipeline file."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return loads_spec(text, format="json" if path.suffix.lower() == ".json" else "yaml")
