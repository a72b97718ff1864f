"""The operator palette: every operator is described by data the UI can render."""

from __future__ import annotations

import json

import pytest

from loom.core.errors import InvalidInputError
from loom.pipelines.operators import describe_operator, get_operator, list_operators

EXPECTED = {
    "source",
    "sql",
    "select",
    "drop",
    "rename",
    "cast",
    "filter",
    "join",
    "aggregate",
    "split",
    "impute",
    "scale",
    "encode",
    "bucketize",
    "date_parts",
    "text",
    "pca",
    "select_features",
    "resample",
    "python",
}


def test_registry_holds_every_operator_with_a_json_description() -> None:
    operators = list_operators()
    assert {o.name for o in operators} == EXPECTED
    for operator in operators:
        entry = describe_operator(operator)
        assert json.loads(json.dumps(entry)) == entry
        assert entry["summary"] and entry["outputs"]
        for row in entry["params"]:
            assert row["description"], (operator.name, row["name"])
    impute = describe_operator(get_operator("impute"))
    assert impute["stateful"] and impute["optional_inputs"] == ["fit"]
    strategy = next(r for r in impute["params"] if r["name"] == "strategy")
    assert (
        strategy["accepts"]
        == "a str among {'constant', 'mean', 'median', 'most_frequent'}"
    )
    assert describe_operator(get_operator("split"))["outputs"] == ["train", "test"]
    assert describe_operator(get_operator("pca"))["in_memory"] is True


def test_get_operator_lists_choices_for_an_unknown_name() -> None:
    with pytest.raises(
        InvalidInputError,
        match="unknown operator 'scaler'; choose one of: aggregate, bucketize",
    ):
        get_operator("scaler")
