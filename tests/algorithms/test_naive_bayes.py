"""Naive Bayes family: accuracy floors on real data and clear errors on bad columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris, load_wine
from sklearn.model_selection import StratifiedKFold, cross_val_score

from loom.algorithms.registry import describe, get_algorithm, validate_params
from loom.core.errors import InvalidInputError

CV = StratifiedKFold(5, shuffle=True, random_state=0)


def _nb(name: str, **params: Any) -> Any:
    return get_algorithm(name).build(validate_params(name, params), 42)


@pytest.mark.parametrize(("load", "floor"), [(load_iris, 0.93), (load_wine, 0.95)])
def test_gaussian_nb_reaches_floor(load: Any, floor: float) -> None:
    X, y = load(return_X_y=True)
    assert cross_val_score(_nb("gaussian_nb"), X, y, cv=CV).mean() >= floor


@pytest.mark.parametrize(
    ("name", "params", "floor"),
    [
        ("multinomial_nb", {}, 0.88),
        ("multinomial_nb", {"alpha": 0.5}, 0.88),
        ("bernoulli_nb", {"binarize": 4.0}, 0.85),
        ("categorical_nb", {}, 0.88),
    ],
)
def test_count_models_reach_floor_on_digit_pixel_counts(
    name: str, params: dict[str, Any], floor: float
) -> None:
    X, y = load_digits(return_X_y=True)  # pixel intensities 0..16
    assert cross_val_score(_nb(name, **params), X, y, cv=CV).mean() >= floor


def test_multinomial_nb_rejects_negative_values_naming_the_column() -> None:
    X, y = load_iris(return_X_y=True)
    X = X - 5.0
    algorithm = get_algorithm("multinomial_nb")
    estimator = _nb("multinomial_nb")
    algorithm.bind_features(estimator, ["sepal_l", "sepal_w", "petal_l", "petal_w"])
    with pytest.raises(InvalidInputError, match="column 'sepal_l'"):
        estimator.fit(X, y)


def test_categorical_nb_rejects_continuous_columns_naming_the_column() -> None:
    X, y = load_wine(return_X_y=True)
    algorithm = get_algorithm("categorical_nb")
    estimator = _nb("categorical_nb")
    algorithm.bind_features(estimator, [f"w{i}" for i in range(X.shape[1])])
    with pytest.raises(InvalidInputError, match="column 'w0' has 126 distinct"):
        estimator.fit(X, y)


def test_categorical_nb_gives_unseen_values_only_the_smoothing_mass() -> None:
    X, y = load_digits(return_X_y=True)
    model = _nb("categorical_nb").fit(X, y)
    unseen = X[:5].copy()
    unseen[:, 0] = 99.0  # never seen in training
    proba = model.predict_proba(unseen)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(unseen) == model.predict(X[:5])).all()


def test_smoothing_alpha_is_described_as_laplace_or_lidstone() -> None:
    params = {p["name"]: p for p in describe(get_algorithm("multinomial_nb"))["params"]}
    assert "Laplace" in params["alpha"]["description"]
    assert "Lidstone" in params["alpha"]["description"]
