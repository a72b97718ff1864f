"""Conformance suite over EVERY registered algorithm, in scikit-learn's spirit.

A new catalog entry passes these or it does not ship. When one fails, the
assertion message says which rule the adapter broke.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import NotFittedError

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.params import param_infos
from loom.algorithms.registry import describe, list_algorithms, validate_params
from loom.core.errors import InvalidInputError
from loom.training.fitting import TrainingSpec, train
from tests.fixtures.english_corpora import pang_lee

ALGORITHMS = list_algorithms()
PARAM_KEYS = {
    "name",
    "type",
    "default",
    "minimum",
    "maximum",
    "choices",
    "nullable",
    "description",
}


@cache
def _data(task: Task) -> tuple[np.ndarray, np.ndarray | None]:
    if task == Task.REGRESSION:
        X, y = load_diabetes(return_X_y=True)
        return X, y
    if task in _TEXT_DATA:
        return _TEXT_DATA[task]()
    X, y = load_iris(return_X_y=True)
    return X, (y if task == Task.CLASSIFICATION else None)


def _lee_documents() -> tuple[np.ndarray, None]:
    """100 raw news documents (gensim's Lee corpus): one text column."""
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as handle:
        documents = handle.read().splitlines()[:100]
    return np.asarray(documents, dtype=object), None


def _tagged_sentences() -> tuple[np.ndarray, np.ndarray]:
    """60 People's Daily sentences: space-separated tokens and their tags."""
    from tests.fixtures.peoples_daily import load_peoples_daily

    frame = load_peoples_daily(60)
    return frame["tokens"].to_numpy(dtype=object), frame["tags"].to_numpy(dtype=object)


_TEXT_DATA = {
    Task.TOPIC_MODELING: _lee_documents,
    Task.SEQUENCE_LABELING: _tagged_sentences,
    Task.EMBEDDING: lambda: (_lee_documents()[0][:40], None),
}


@cache
def _labelled_reviews() -> tuple[np.ndarray, np.ndarray]:
    """100 of gensim's pang_lee movie-review lines and their 0/1 (neg/pos) codes."""
    texts, codes = pang_lee()
    return np.asarray(texts[::2], dtype=object), codes[::2]


def _inputs(algorithm: Algorithm) -> tuple[np.ndarray, np.ndarray | None]:
    """Raw documents for text classifiers (``reads_text``), else the task's data."""
    return _labelled_reviews() if algorithm.reads_text else _data(algorithm.task)


def _fitted(algorithm: Algorithm, seed: int) -> tuple[Any, np.ndarray]:
    X, y = _inputs(algorithm)
    estimator = algorithm.build(validate_params(algorithm.name, {}), seed)
    assert (
        estimator.fit(X) is estimator if y is None else estimator.fit(X, y) is estimator
    )
    return estimator, X


def _outputs(estimator: Any, X: np.ndarray, task: Task) -> list[np.ndarray]:
    if task == Task.SEQUENCE_LABELING:  # ragged tag lists: compare as tag codes
        tags = sorted({t for row in _data(task)[1] for t in row.split()})
        return [
            np.asarray([tags.index(t) for row in estimator.predict(X) for t in row])
        ]
    out = [np.asarray(estimator.predict(X))]
    if task in (Task.CLASSIFICATION, Task.TOPIC_MODELING):
        out.append(estimator.predict_proba(X))
    return out


def _bad_value(info: Any) -> Any:
    if info.choices is not None:
        return "not-a-choice"
    if info.base is bool:
        return "maybe"
    if info.maximum is not None:
        return info.maximum + 1
    return "not-a-number"


@pytest.fixture(params=ALGORITHMS, ids=lambda a: a.name)
def algorithm(request: pytest.FixtureRequest) -> Algorithm:
    return request.param


def test_catalog_has_the_spine() -> None:
    names = {a.name for a in ALGORITHMS}
    assert {
        "linear_regression",
        "logistic_regression",
        "random_forest_classifier",
        "random_forest_regressor",
        "lightgbm_classifier",
        "lightgbm_regressor",
        "kmeans",
    } <= names


def test_describe_is_well_formed_and_json_safe(algorithm: Algorithm) -> None:
    described = describe(algorithm)
    json.dumps(described)
    assert described["name"] == algorithm.name
    assert described["task"] in {t.value for t in Task}
    assert described["summary"] and "\n" not in described["summary"]
    schema_names = set(described["params_schema"]["properties"])
    assert schema_names == {p["name"] for p in described["params"]}
    for param in described["params"]:
        assert set(param) >= PARAM_KEYS, (
            f"{param['name']} lacks {PARAM_KEYS - set(param)}"
        )
        assert param["description"], (
            f"{algorithm.name}.{param['name']} needs a description"
        )
        assert param["type"] in {"integer", "number", "boolean", "string"}
        if param["type"] in {"integer", "number"} and param["choices"] is None:
            assert param["minimum"] is not None and param["maximum"] is not None, (
                f"{algorithm.name}.{param['name']}: declare ge= and le= ranges"
            )
        if param["type"] == "string":
            assert param["choices"], f"{algorithm.name}.{param['name']}: use a Literal"


def test_defaults_validate(algorithm: Algorithm) -> None:
    params = validate_params(algorithm.name, {})
    assert params == algorithm.Params()
    for info in param_infos(algorithm.Params):
        assert getattr(params, info.name) == info.default


def test_out_of_range_values_are_rejected_naming_the_parameter(
    algorithm: Algorithm,
) -> None:
    for info in param_infos(algorithm.Params):
        bad = _bad_value(info)
        with pytest.raises(InvalidInputError) as caught:
            validate_params(algorithm.name, {info.name: bad})
        message = caught.value.message
        assert f"The '{info.name}' parameter of {algorithm.name} must be" in message
        assert message.endswith(f"got {bad!r}.")


def test_unknown_parameter_is_rejected_listing_valid_ones(algorithm: Algorithm) -> None:
    with pytest.raises(InvalidInputError, match="'no_such_param'") as caught:
        validate_params(algorithm.name, {"no_such_param": 1})
    for info in param_infos(algorithm.Params):
        assert info.name in caught.value.message


def test_predict_before_fit_raises_not_fitted(algorithm: Algorithm, seed: int) -> None:
    X, _ = _inputs(algorithm)
    estimator = algorithm.build(validate_params(algorithm.name, {}), seed)
    with pytest.raises(NotFittedError):
        estimator.predict(X[:5])


def test_save_load_gives_identical_predictions(
    algorithm: Algorithm, seed: int, tmp_path: Path
) -> None:
    estimator, X = _fitted(algorithm, seed)
    algorithm.save_estimator(estimator, tmp_path)
    loaded = algorithm.load_estimator(tmp_path)
    for before, after in zip(
        _outputs(estimator, X, algorithm.task),
        _outputs(loaded, X, algorithm.task),
        strict=True,
    ):
        np.testing.assert_allclose(after, before, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "classifier", list_algorithms(Task.CLASSIFICATION), ids=lambda a: a.name
)
def test_classifiers_expose_classes_and_probabilities(
    classifier: Algorithm, seed: int
) -> None:
    estimator, X = _fitted(classifier, seed)
    assert list(estimator.classes_) == sorted(set(_inputs(classifier)[1]))
    np.testing.assert_allclose(estimator.predict_proba(X).sum(axis=1), 1.0)


def test_same_seed_gives_same_predictions(algorithm: Algorithm, seed: int) -> None:
    first, X = _fitted(algorithm, seed)
    second, _ = _fitted(algorithm, seed)
    for a, b in zip(
        _outputs(first, X, algorithm.task),
        _outputs(second, X, algorithm.task),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


def test_same_seed_gives_same_metrics(algorithm: Algorithm, seed: int) -> None:
    X, y = _inputs(algorithm)
    if X.ndim == 1:  # text tasks: one string column
        frame = pd.DataFrame({"text": X})
    else:
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    target = None
    if y is not None:
        frame["y"], target = y, "y"
    spec = TrainingSpec(algorithm=algorithm.name, params={}, target=target, seed=seed)
    assert train(frame, spec).metrics == train(frame, spec).metrics
