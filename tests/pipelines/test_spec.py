"""One pipeline written as YAML, as JSON and with the builder: same stored bytes, same rows."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from loom.core.errors import InvalidInputError
from loom.pipelines import Pipeline, loads_spec, read_spec, run_pipeline
from loom.pipelines.builder import Encode, Impute, Scale, Split

YAML = """
name: penguins-features
variables: {}
nodes:
  - id: raw
    op: source
    params: {dataset: penguins}
  - id: impute
    op: impute
    params: {strategy: median, columns: [bill_length_mm, body_mass_g]}
    inputs: {input: raw}
  - id: onehot
    op: encode
    params: {method: one_hot, columns: [island]}
    inputs: {input: impute}
  - id: scale
    op: scale
    params: {columns: [bill_length_mm, body_mass_g]}
    inputs: {input: onehot}
  - id: split
    op: split
    params: {test_size: 0.2, seed: 7}
    inputs: {input: scale}
"""

JSON = json.dumps(
    {
        "nodes": [
            {
                "id": "raw",
                "op": "source",
                "params": {"dataset": "penguins", "version": None},
            },
            {
                "id": "impute",
                "op": "impute",
                "inputs": {"input": "raw.output"},
                "params": {
                    "columns": ["bill_length_mm", "body_mass_g"],
                    "strategy": "median",
                },
            },
            {
                "id": "onehot",
                "op": "encode",
                "inputs": {"input": "impute"},
                "params": {
                    "method": "one_hot",
                    "columns": ["island"],
                    "max_categories": 50,
                },
            },
            {
                "id": "scale",
                "op": "scale",
                "inputs": {"input": "onehot"},
                "params": {
                    "method": "standard",
                    "columns": ["bill_length_mm", "body_mass_g"],
                },
            },
            {
                "id": "split",
                "op": "split",
                "inputs": {"input": "scale"},
                "params": {"seed": 7, "test_size": 0.2},
            },
        ],
        "name": "penguins-features",
    },
    indent=4,
)


def built() -> Pipeline:
    return (
        Pipeline("penguins-features")
        .source("raw", dataset="penguins")
        .then(
            "impute",
            Impute(strategy="median", columns=["bill_length_mm", "body_mass_g"]),
        )
        .then("onehot", Encode(method="one_hot", columns=["island"]))
        .then("scale", Scale(columns=["bill_length_mm", "body_mass_g"]))
        .then("split", Split(test_size=0.2, seed=7))
    )


def test_canonical_json_is_byte_identical_from_yaml_json_and_builder() -> None:
    from_yaml = loads_spec(YAML).canonical_json()
    from_json = loads_spec(JSON, format="json").canonical_json()
    from_builder = built().spec().canonical_json()
    assert from_yaml == from_json == from_builder
    data = json.loads(from_yaml)
    assert list(data) == sorted(data)
    assert " " not in from_yaml.replace("penguins-features", "")
    impute = next(n for n in data["nodes"] if n["id"] == "impute")
    assert impute["params"] == {
        "add_indicator": False,
        "columns": ["bill_length_mm", "body_mass_g"],
        "fill_value": None,
        "strategy": "median",
    }
    assert impute["inputs"] == {"input": "raw.output"}


def test_builder_yaml_round_trips_to_the_same_canonical_json(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(built().to_yaml())
    assert read_spec(path).canonical_json() == built().to_json()


def test_spec_variants_produce_identical_outputs(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    tables = []
    for i, spec in enumerate(
        [loads_spec(YAML), loads_spec(JSON, format="json"), built().spec()]
    ):
        result = run_pipeline(spec, sources=sources, workdir=tmp_path / str(i))
        assert result.status == "succeeded"
        tables.append(
            [pq.read_table(result.output_path(f"split.{p}")) for p in ("train", "test")]
        )
    assert tables[0][0].num_rows + tables[0][1].num_rows == 344
    assert tables[0] == tables[1] == tables[2]


def test_loads_spec_reports_the_yaml_line_and_the_bad_field() -> None:
    with pytest.raises(InvalidInputError, match="line 3"):
        loads_spec("name: x\nnodes:\n  - [unclosed\n")
    with pytest.raises(InvalidInputError, match=r"nodes\.0\.id"):
        loads_spec("name: x\nnodes:\n  - {id: 'bad id', op: source}\n")
