"""PNG charts: every figure is a small PNG, and validation curves pick their x axis."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import learning_curve, validation_curve

from loom.training import evaluation, plots

PNG = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 200_000


def _small_png(png: bytes) -> bool:
    return png.startswith(PNG) and len(png) < MAX_BYTES


def _mean_std(scores: np.ndarray, prefix: str) -> dict[str, list[float]]:
    return {
        f"{prefix}_mean": [float(v) for v in scores.mean(axis=1)],
        f"{prefix}_std": [float(v) for v in scores.std(axis=1)],
    }


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return X, y


def test_learning_curve_png_draws_sklearn_learning_curve(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    sizes, train, test = learning_curve(
        RidgeClassifier(),
        X,
        y,
        train_sizes=[0.3, 0.6, 1.0],
        cv=3,
        shuffle=True,
        random_state=0,
    )
    data = {
        "metric": "accuracy",
        "train_sizes": [int(v) for v in sizes],
        **_mean_std(train, "train"),
        **_mean_std(test, "test"),
    }
    assert _small_png(plots.learning_curve_png(data))


@pytest.mark.parametrize(
    ("values", "scale"),
    [
        ([0.001, 0.01, 0.1, 1.0, 10.0], "log"),
        ([1, 2, 5, 10], "linear"),
        ([-1.0, 10.0, 1000.0], "linear"),
        (["lbfgs", "newton-cg"], "category"),
        ([None, 3, 5], "category"),
        ([True, False], "category"),
    ],
)
def test_validation_axis_picks_category_log_or_linear(
    values: list[object], scale: str
) -> None:
    assert plots.validation_axis(values) == scale


@pytest.mark.parametrize(
    ("param", "values"),
    [("alpha", [0.01, 0.1, 1.0, 10.0]), ("solver", ["svd", "cholesky", "lsqr"])],
)
def test_validation_curve_png_draws_sklearn_validation_curve(
    iris: tuple[np.ndarray, np.ndarray], param: str, values: list[object]
) -> None:
    X, y = iris
    train, test = validation_curve(
        RidgeClassifier(), X, y, param_name=param, param_range=values
    )
    data = {
        "param": param,
        "values": values,
        "metric": "accuracy",
        **_mean_std(train, "train"),
        **_mean_std(test, "test"),
    }
    assert _small_png(plots.validation_curve_png(data))


def test_curve_pngs_are_small_even_without_a_legend(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_classes = 15  # more curves than a legend can hold
    y = rng.integers(0, n_classes, 3000)
    proba = rng.dirichlet(np.ones(n_classes), 3000)
    labels = [f"class {k}" for k in range(n_classes)]
    for png in (
        plots.pr_curve_png(evaluation.pr_points(y, proba, labels)),
        plots.calibration_png(evaluation.calibration_points(y, proba, labels)),
        plots.pr_curve_png([]),
        plots.calibration_png([]),
    ):
        assert _small_png(png)
