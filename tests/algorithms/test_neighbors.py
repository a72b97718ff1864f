"""k-NN: floors on iris/wine, k chosen by CV, metrics and scaling."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_digits, load_iris, load_wine
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.neighbors import KNeighborsClassifier

from loom.algorithms.registry import get_algorithm, validate_params
from loom.core.errors import InvalidInputError

CV = StratifiedKFold(5, shuffle=True, random_state=0)


def _knn(name: str, **params: Any) -> Any:
    return get_algorithm(name).build(validate_params(name, params), 0)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"weights": "distance"},
        {"metric": "manhattan"},
        {"metric": "chebyshev"},
        {"metric": "minkowski", "p": 3.0},
        {"metric": "cosine"},
        {"metric": "mahalanobis"},
    ],
    ids=str,
)
@pytest.mark.parametrize("load", [load_iris, load_wine])
def test_knn_classifier_reaches_floor(load: Any, params: dict[str, Any]) -> None:
    X, y = load(return_X_y=True)
    score = cross_val_score(_knn("knn_classifier", **params), X, y, cv=CV).mean()
    assert score >= 0.85


def test_knn_classifier_scaling_matters_on_wine() -> None:
    X, y = load_wine(return_X_y=True)
    scaled = cross_val_score(_knn("knn_classifier"), X, y, cv=CV).mean()
    raw = cross_val_score(_knn("knn_classifier", scale=False), X, y, cv=CV).mean()
    assert scaled >= 0.95
    assert scaled > raw + 0.2


def test_knn_chooses_k_by_cross_validation_like_a_grid_search() -> None:
    X, y = load_wine(return_X_y=True)
    model = _knn("knn_classifier", n_neighbors=None).fit(X, y)
    curve = model.cv_curve_
    assert [p["k"] for p in curve] == list(range(1, 31))
    search = GridSearchCV(
        KNeighborsClassifier(algorithm="brute"), {"n_neighbors": range(1, 6)}, cv=CV
    ).fit(model._inputs(X), y)
    scores = [p["score"] for p in curve]
    np.testing.assert_allclose(scores[:5], search.cv_results_["mean_test_score"])
    assert model.k_ == 1 + int(np.argmax(scores))
    report, plots = get_algorithm("knn_classifier").report(model, X, y, [])
    assert report["k"] == model.k_
    assert plots["knn_cv_curve.png"].startswith(b"\x89PNG")


def test_knn_jaccard_works_on_binary_features_only() -> None:
    X, y = load_digits(return_X_y=True)
    binary = (X > 4).astype(float)
    model = _knn("knn_classifier", metric="jaccard")
    assert cross_val_score(model, binary, y, cv=CV).mean() >= 0.9
    algorithm = get_algorithm("knn_classifier")
    estimator = _knn("knn_classifier", metric="jaccard")
    algorithm.bind_features(estimator, [f"px{i}" for i in range(X.shape[1])])
    with pytest.raises(InvalidInputError, match="column 'px1'"):
        estimator.fit(X, y)


@pytest.mark.parametrize("params", [{}, {"n_neighbors": None, "weights": "distance"}])
def test_knn_regressor_beats_the_mean_on_diabetes(params: dict[str, Any]) -> None:
    X, y = load_diabetes(return_X_y=True)
    cv = KFold(5, shuffle=True, random_state=0)
    model = _knn("knn_regressor", **params)
    assert cross_val_score(model, X, y, cv=cv, scoring="r2").mean() >= 0.35
