"""The SDK builder: write a pipeline in Python the way scikit-learn chains steps.

    spec = (
        Pipeline("penguins")
        .source("raw", dataset="penguins")
        .then("impute", Impute(strategy="median", columns=["body_mass_g"]))
        .then("onehot", Encode(method="one_hot", columns=["island"]))
        .spec()
    )

``then`` wires the new node's ``input`` to the previous node; keyword ports
(``input="split.test", fit="split.train"``) wire anything else. The result is
an ordinary ``PipelineSpec``, so its ``canonical_json()`` equals the same
pipeline's YAML or JSON, byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

from loom.core.errors import InvalidInputError
from loom.pipelines.spec import NodeSpec, PipelineSpec


class Step:
    """An operator and its parameters, not yet placed in a pipeline."""

    op: str = ""

    def __init__(self, op: str | None = None, **params: Any) -> None:
        if op is not None:
            self.op = op
        if not self.op:
            raise InvalidInputError(
                "Step needs an operator name: Step('impute', strategy='mean')"
            )
        self.params = params

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"


def _step(op: str, doc: str) -> type[Step]:
    def __init__(self: Step, **params: Any) -> None:
        Step.__init__(self, op, **params)

    name = "".join(part.title() for part in op.split("_"))
    return type(name, (Step,), {"op": op, "__init__": __init__, "__doc__": doc})


Sql = _step("sql", "DuckDB SQL over the inputs (``query=``).")
Select = _step("select", "Keep columns (``columns=``).")
Drop = _step("drop", "Remove columns (``columns=``).")
Rename = _step("rename", "Rename columns (``mapping=``).")
Cast = _step("cast", "Change types (``types=``).")
Filter = _step("filter", "Keep rows (``condition=``).")
Join = _step("join", "Join ``left`` and ``right`` (``on=``, ``how=``).")
Aggregate = _step(
    "aggregate", "Group and aggregate (``group_by=``, ``aggregations=``)."
)
Split = _step("split", "Train/test split (``test_size=``, ``seed=``, ``stratify=``).")
Impute = _step("impute", "Fill missing values (``strategy=``, ``columns=``).")
Scale = _step("scale", "Scale numbers (``method=``, ``columns=``).")
Encode = _step("encode", "Encode categories (``method=``, ``columns=``).")
Bucketize = _step("bucketize", "Bucket numbers (``method=``, ``columns=``).")
DateParts = _step("date_parts", "Date parts (``columns=``, ``parts=``).")
Text = _step("text", "Tokens / TF-IDF (``column=``).")
Pca = _step("pca", "Principal components (``n_components=``).")
SelectFeatures = _step("select_features", "Feature selection (``method=``).")
Resample = _step("resample", "Class rebalancing (``target=``, ``method=``).")
PythonStep = _step(
    "python", "Custom function (``function='module:fn'``, ``output_schema=``)."
)


class Pipeline:
    """Chainable builder of a ``PipelineSpec``."""

    def __init__(self, name: str, *, variables: dict[str, Any] | None = None) -> None:
        self.name = name
        self.variables = dict(variables or {})
        self.nodes: list[NodeSpec] = []
        self.cursor: str | None = None

    def source(
        self, node_id: str, *, dataset: str, version: int | None = None
    ) -> Pipeline:
        """Add a dataset source and make it the current node."""
        params: dict[str, Any] = {"dataset": dataset}
        if version is not None:
            params["version"] = version
        return self.add(node_id, Step("source", **params))

    def then(self, node_id: str, step: Step, **ports: str) -> Pipeline:
        """Add ``step`` fed by the current node (``input``) unless ``ports`` say so."""
        if "input" not in ports and step.op != "join":
            if self.cursor is None:
                raise InvalidInputError(
                    f"then('{node_id}'): no previous node; start with source()"
                )
            ports = {"input": self.cursor, **ports}
        return self.add(node_id, step, **ports)

    def add(self, node_id: str, step: Step, **ports: str) -> Pipeline:
        """Add a node wired exactly by ``ports`` (port → ``node`` or ``node.port``)."""
        self.nodes.append(
            NodeSpec(
                id=node_id, op=step.op, params=dict(step.params), inputs=dict(ports)
            )
        )
        self.cursor = node_id
        return self

    def at(self, ref: str) -> Pipeline:
        """Continue chaining from ``ref`` (``"split.train"``, say)."""
        self.cursor = ref
        return self

    def spec(self) -> PipelineSpec:
        """The pipeline as a spec."""
        return PipelineSpec(
            name=self.name, variables=self.variables, nodes=list(self.nodes)
        )

    def to_json(self) -> str:
        """The canonical stored JSON."""
        return self.spec().canonical_json()

    def to_yaml(self) -> str:
        """A readable YAML rendering of the canonical spec."""
        import yaml

        return yaml.safe_dump(
            json.loads(self.to_json()), sort_keys=False, allow_unicode=True
        )
