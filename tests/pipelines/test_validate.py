"""Validation from schemas only: every class of problem names its node and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loom.core.errors import InvalidInputError
from loom.pipelines import (
    PipelineSpec,
    Schema,
    check,
    parquet_schema,
    raise_if_invalid,
    source_refs,
    validate,
)


def spec(
    *nodes: dict[str, Any], variables: dict[str, Any] | None = None
) -> PipelineSpec:
    return PipelineSpec.model_validate(
        {"name": "v", "variables": variables or {}, "nodes": list(nodes)}
    )


RAW = {"id": "raw", "op": "source", "params": {"dataset": "penguins"}}


@pytest.fixture
def schemas(penguins_path: Path) -> dict[str, Schema]:
    return {"penguins": parquet_schema(penguins_path)}


def only(issues: list[Any], code: str) -> Any:
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, issues
    return found[0]


def test_validate_accepts_a_good_pipeline_and_infers_schemas(
    schemas: dict[str, Schema],
) -> None:
    checked = check(
        spec(
            RAW,
            {
                "id": "oh",
                "op": "encode",
                "params": {
                    "columns": ["island"],
                    "categories": {"island": ["Biscoe", "Dream"]},
                },
                "inputs": {"input": "raw"},
            },
        ),
        schemas,
    )
    assert checked.issues == []
    names = checked.schemas["oh"]["output"].names
    assert "island" not in names and names[-2:] == ["island_Biscoe", "island_Dream"]
    assert source_refs(spec(RAW)) == ["penguins"]


def test_validate_names_every_node_of_a_cycle(schemas: dict[str, Schema]) -> None:
    issues = validate(
        spec(
            RAW,
            {
                "id": "a",
                "op": "select",
                "params": {"columns": ["year"]},
                "inputs": {"input": "c"},
            },
            {
                "id": "b",
                "op": "drop",
                "params": {"columns": ["year"]},
                "inputs": {"input": "a"},
            },
            {
                "id": "c",
                "op": "rename",
                "params": {"mapping": {"year": "y"}},
                "inputs": {"input": "b"},
            },
        ),
        schemas,
    )
    issue = only(issues, "cycle")
    assert set(issue.details["cycle"]) == {"a", "b", "c"}
    assert (
        "a -> " in issue.message
        and issue.details["cycle"][0] == issue.details["cycle"][-1]
    )


def test_validate_lists_the_operators_for_an_unknown_op(
    schemas: dict[str, Schema],
) -> None:
    issue = only(
        validate(
            spec(RAW, {"id": "x", "op": "normalise", "inputs": {"input": "raw"}}),
            schemas,
        ),
        "unknown_op",
    )
    assert issue.node == "x"
    assert "unknown operator 'normalise'" in issue.message and "impute" in issue.message


def test_validate_reports_missing_and_unknown_ports_and_nodes(
    schemas: dict[str, Schema],
) -> None:
    issues = validate(
        spec(
            RAW,
            {
                "id": "j",
                "op": "join",
                "params": {"on": ["year"]},
                "inputs": {"left": "raw"},
            },
            {"id": "s", "op": "scale", "inputs": {"input": "raw", "other": "raw"}},
            {
                "id": "g",
                "op": "select",
                "params": {"columns": ["year"]},
                "inputs": {"input": "ghost"},
            },
        ),
        schemas,
    )
    missing = only(issues, "missing_input")
    assert missing.node == "j" and missing.port == "right"
    assert "input port 'right' is not connected" in missing.message
    unknown = only(issues, "unknown_port")
    assert (
        unknown.node == "s"
        and "no input port 'other'" in unknown.message
        and "fit" in unknown.message
    )
    ghost = only(issues, "unknown_node")
    assert ghost.node == "g" and "node 'ghost', which does not exist" in ghost.message


def test_validate_asks_for_a_port_when_the_upstream_has_several(
    schemas: dict[str, Schema],
) -> None:
    issues = validate(
        spec(
            RAW,
            {"id": "sp", "op": "split", "inputs": {"input": "raw"}},
            {
                "id": "d",
                "op": "drop",
                "params": {"columns": ["year"]},
                "inputs": {"input": "sp"},
            },
        ),
        schemas,
    )
    assert "'sp.train' or 'sp.test'" in only(issues, "ambiguous_port").message


def test_validate_names_node_column_and_available_columns_for_a_missing_column(
    schemas: dict[str, Schema],
) -> None:
    issues = validate(
        spec(
            RAW,
            {
                "id": "keep",
                "op": "select",
                "params": {"columns": ["species", "bill_length_mm"]},
                "inputs": {"input": "raw"},
            },
            {
                "id": "imp",
                "op": "impute",
                "params": {"strategy": "median", "columns": ["body_mass_g"]},
                "inputs": {"input": "keep"},
            },
        ),
        schemas,
    )
    issue = only(issues, "missing_column")
    assert issue.node == "imp" and issue.column == "body_mass_g"
    assert issue.message == (
        "node 'imp' (impute): column 'body_mass_g' does not exist in 'input'; available: species, bill_length_mm"
    )


def test_validate_names_node_and_column_for_a_type_mismatch(
    schemas: dict[str, Schema],
) -> None:
    issue = only(
        validate(
            spec(
                RAW,
                {
                    "id": "sc",
                    "op": "scale",
                    "params": {"columns": ["bill_length_mm", "island"]},
                    "inputs": {"input": "raw"},
                },
            ),
            schemas,
        ),
        "type_mismatch",
    )
    assert issue.node == "sc" and issue.column == "island"
    assert (
        "column 'island' is string; scale 'standard' needs boolean or integer or number"
        in issue.message
    )


def test_validate_reports_bad_parameters_in_the_catalog_style(
    schemas: dict[str, Schema],
) -> None:
    issues = validate(
        spec(
            RAW,
            {
                "id": "imp",
                "op": "impute",
                "params": {"strategy": "avg"},
                "inputs": {"input": "raw"},
            },
            {
                "id": "sp",
                "op": "split",
                "params": {"test_size": 1.5},
                "inputs": {"input": "raw"},
            },
            {
                "id": "sc",
                "op": "scale",
                "params": {"colums": ["x"]},
                "inputs": {"input": "raw"},
            },
        ),
        schemas,
    )
    bad = {i.node: i.message for i in issues if i.code == "bad_params"}
    assert bad["imp"] == (
        "node 'imp' (impute): The 'strategy' parameter of impute must be a str among "
        "{'constant', 'mean', 'median', 'most_frequent'}; got 'avg'."
    )
    assert (
        "The 'test_size' parameter of split must be a float in the range [0.01, 0.99]; got 1.5."
        in bad["sp"]
    )
    assert (
        "unknown parameter 'colums' for scale; valid parameters: method, columns"
        in bad["sc"]
    )


def test_validate_reports_undefined_and_unused_variables(
    schemas: dict[str, Schema],
) -> None:
    issues = validate(
        spec(
            RAW,
            {
                "id": "f",
                "op": "filter",
                "params": {"condition": "year >= ${since}"},
                "inputs": {"input": "raw"},
            },
            variables={"run_date": "2024-01-01"},
        ),
        schemas,
    )
    undefined = only(issues, "undefined_variable")
    assert (
        undefined.node == "f"
        and undefined.variable == "since"
        and "defined: run_date" in undefined.message
    )
    unused = only(issues, "unused_variable")
    assert unused.severity == "warning" and unused.variable == "run_date"


def test_validate_checks_a_filter_expression_against_the_input_columns(
    schemas: dict[str, Schema],
) -> None:
    good = spec(
        RAW,
        {
            "id": "f",
            "op": "filter",
            "params": {"condition": "year >= ${since}"},
            "inputs": {"input": "raw"},
        },
        variables={"since": 2008},
    )
    assert validate(good, schemas) == []
    bad = spec(
        RAW,
        {
            "id": "f",
            "op": "filter",
            "params": {"condition": "yeer > 2008"},
            "inputs": {"input": "raw"},
        },
    )
    issue = only(validate(bad, schemas), "invalid_node")
    assert issue.node == "f" and "yeer" in issue.message


def test_validate_reports_an_unavailable_source(schemas: dict[str, Schema]) -> None:
    issue = only(
        validate(
            spec(
                {
                    "id": "raw",
                    "op": "source",
                    "params": {"dataset": "iris", "version": 2},
                }
            ),
            schemas,
        ),
        "missing_source",
    )
    assert (
        issue.message
        == "node 'raw' (source): dataset 'iris@2' is not available; known: penguins"
    )


def test_raise_if_invalid_raises_the_first_error_with_all_issues(
    schemas: dict[str, Schema],
) -> None:
    bad = spec(
        RAW,
        {
            "id": "sc",
            "op": "scale",
            "params": {"columns": ["island"]},
            "inputs": {"input": "raw"},
        },
        {"id": "x", "op": "nope"},
    )
    with pytest.raises(
        InvalidInputError,
        match=r"node 'sc' \(scale\): column 'island' is string.*\(and 1 more issue\)",
    ) as caught:
        raise_if_invalid(bad, schemas)
    assert len(caught.value.details["issues"]) == 2
