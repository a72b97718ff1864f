"""The catalog registry: lookup, parameter coercion and errors, description."""

from __future__ import annotations

import subprocess
import sys

import pytest

from loom.algorithms import registry
from loom.algorithms.base import Task
from loom.algorithms.registry import (
    describe,
    get_algorithm,
    list_algorithms,
    validate_params,
)
from loom.core.errors import InvalidInputError


def test_get_algorithm_unknown_name_lists_choices() -> None:
    with pytest.raises(InvalidInputError) as caught:
        get_algorithm("xgboost_turbo")
    message = caught.value.message
    assert message.startswith("unknown algorithm 'xgboost_turbo'; choose one of: ")
    assert message.endswith(", ".join(a.name for a in list_algorithms()))


def test_list_algorithms_filters_by_task() -> None:
    regression = {a.name for a in list_algorithms(Task.REGRESSION)}
    assert {"linear_regression", "random_forest_regressor", "lightgbm_regressor"} <= (
        regression
    )
    assert "kmeans" in {a.name for a in list_algorithms(Task.CLUSTERING)}
    for task in Task:
        assert all(a.task == task for a in list_algorithms(task))
    names = [a.name for a in list_algorithms()]
    assert names == sorted(names)


def test_every_catalog_module_registers_an_algorithm() -> None:
    modules = {type(a).__module__ for a in list_algorithms()}
    assert modules == set(registry._CATALOG_MODULES)


def test_validate_params_coerces_cli_strings() -> None:
    params = validate_params(
        "random_forest_classifier",
        {"n_estimators": "250", "max_depth": "none", "max_features": "log2"},
    )
    assert params.n_estimators == 250
    assert params.max_depth is None
    lgbm = validate_params("lightgbm_regressor", {"learning_rate": "0.05"})
    assert lgbm.learning_rate == pytest.approx(0.05)
    assert (
        validate_params("linear_regression", {"fit_intercept": "false"}).fit_intercept
        is False
    )
    assert (
        validate_params("linear_regression", {"fit_intercept": "TRUE"}).fit_intercept
        is True
    )


def test_validate_params_out_of_range_uses_sklearn_message_shape() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_params("random_forest_classifier", {"n_estimators": 0})
    assert caught.value.message == (
        "The 'n_estimators' parameter of random_forest_classifier must be "
        "an int in the range [1, 5000]; got 0."
    )


def test_validate_params_wrong_choice_lists_choices() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_params("logistic_regression", {"penalty": "l3"})
    assert caught.value.message == (
        "The 'penalty' parameter of logistic_regression must be "
        "a str among {'l2', 'l1', 'elasticnet', 'none'}; got 'l3'."
    )


def test_validate_params_nullable_range_mentions_none() -> None:
    with pytest.raises(
        InvalidInputError, match=r"in the range \[1, 200\] or None; got 'deep'"
    ):
        validate_params("random_forest_regressor", {"max_depth": "deep"})


def test_validate_params_rejects_bool_for_a_number() -> None:
    with pytest.raises(InvalidInputError, match="'n_clusters' parameter of kmeans"):
        validate_params("kmeans", {"n_clusters": True})


def test_validate_params_rejects_none_where_not_nullable() -> None:
    with pytest.raises(InvalidInputError, match=r"'n_estimators'.*got 'none'"):
        validate_params("lightgbm_classifier", {"n_estimators": "none"})


def test_validate_params_unknown_names_list_valid_ones() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_params("kmeans", {"k": 3, "n_clusters": 3})
    assert caught.value.message == (
        "unknown parameter 'k' for kmeans; "
        "valid parameters: n_clusters, init, n_init, max_iter"
    )


def test_describe_reports_ranges_choices_and_defaults() -> None:
    described = describe(get_algorithm("random_forest_classifier"))
    params = {p["name"]: p for p in described["params"]}
    assert params["n_estimators"] == {
        "name": "n_estimators",
        "type": "integer",
        "default": 100,
        "minimum": 1,
        "maximum": 5000,
        "choices": None,
        "nullable": False,
        "description": "Number of trees.",
    }
    assert params["max_depth"]["nullable"] is True
    assert params["max_features"]["choices"] == ["sqrt", "log2", "all"]
    assert described["task"] == "classification"
    assert described["params_schema"]["properties"]["n_estimators"]["maximum"] == 5000


def test_listing_the_catalog_does_not_import_lightgbm() -> None:
    code = (
        "import sys\n"
        "from loom.algorithms.registry import describe, list_algorithms\n"
        "[describe(a) for a in list_algorithms()]\n"
        "assert 'lightgbm' not in sys.modules, 'lightgbm imported eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
