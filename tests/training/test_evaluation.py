"""Metric conventions, agreement with scikit-learn on real models, and curve data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from loom.core.errors import InvalidInputError
from loom.training import evaluation

PNG = b"\x89PNG\r\n\x1a\n"


def test_binary_scores_are_for_the_second_label() -> None:
    y = np.array([0, 0, 1, 1, 1])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]])
    metrics = evaluation.classification_metrics(y, proba)
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["f1"] == pytest.approx(f1_score(y, proba.argmax(axis=1)))


def test_multiclass_scores_are_macro_averages() -> None:
    y = np.array([0, 1, 2, 2])
    proba = np.eye(3)[[0, 2, 2, 2]]
    metrics = evaluation.classification_metrics(y, proba)
    assert metrics["recall"] == pytest.approx((1 + 0 + 1) / 3)
    assert metrics["accuracy"] == pytest.approx(0.75)


def test_roc_auc_is_left_out_when_a_class_is_absent() -> None:
    y = np.array([0, 0, 1, 1])
    proba = np.full((4, 3), 1 / 3)
    assert "roc_auc" not in evaluation.classification_metrics(y, proba)


def test_clustering_metrics_need_two_clusters(seed: int) -> None:
    X = load_iris().data
    assert evaluation.clustering_metrics(X, np.zeros(len(X), dtype=int), seed) == {
        "n_clusters": 1.0
    }


def test_roc_points_are_thinned_and_residuals_sampled(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 5000)
    scores = rng.random(5000)
    curves = evaluation.roc_points(y, np.column_stack([1 - scores, scores]), [0, 1])
    assert len(curves) == 1 and curves[0]["label"] == "1"
    assert len(curves[0]["fpr"]) <= evaluation.MAX_CURVE_POINTS
    assert curves[0]["fpr"][0] == 0.0 and curves[0]["tpr"][-1] == 1.0
    residuals = evaluation.residual_points(scores, scores * 0.5, seed)
    assert len(residuals["fitted"]) == evaluation.MAX_RESIDUAL_POINTS
    assert residuals == evaluation.residual_points(scores, scores * 0.5, seed)


# -- real models on real data ---------------------------------------------------------


@pytest.fixture(scope="module")
def cancer_scores() -> tuple[np.ndarray, np.ndarray]:
    """Held-out breast-cancer codes and a logistic regression's probabilities."""
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)


@pytest.fixture(scope="module")
def iris_scores() -> tuple[np.ndarray, np.ndarray]:
    """Held-out iris codes and a (deliberately shallow) tree ensemble's probabilities."""
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.4, random_state=0, stratify=y
    )
    model = RandomForestClassifier(n_estimators=20, max_depth=2, random_state=0)
    return y_test, model.fit(X_train, y_train).predict_proba(X_test)


@pytest.fixture(scope="module")
def diabetes_predictions() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    return y_test, Ridge(alpha=0.1).fit(X_train, y_train).predict(X_test)


def test_classification_metrics_agree_with_sklearn_on_binary_data(
    cancer_scores: tuple[np.ndarray, np.ndarray],
) -> None:
    y, proba = cancer_scores
    decided = proba.argmax(axis=1)
    metrics = evaluation.classification_metrics(y, proba)
    expected = {
        "accuracy": skm.accuracy_score(y, decided),
        "f1": skm.f1_score(y, decided),
        "f1_micro": skm.f1_score(y, decided, average="micro"),
        "f1_macro": skm.f1_score(y, decided, average="macro"),
        "f1_weighted": skm.f1_score(y, decided, average="weighted"),
        "precision_weighted": skm.precision_score(y, decided, average="weighted"),
        "recall_weighted": skm.recall_score(y, decided, average="weighted"),
        "roc_auc": skm.roc_auc_score(y, proba[:, 1]),
        "average_precision": skm.average_precision_score(y, proba[:, 1]),
        "brier": skm.brier_score_loss(y, proba[:, 1]),
        "log_loss": skm.log_loss(y, proba),
    }
    assert metrics == pytest.approx({**metrics, **expected})
    assert all(type(value) is float for value in metrics.values())
    assert metrics["accuracy"] > 0.9 and metrics["average_precision"] > 0.95


def test_classification_metrics_agree_with_sklearn_on_multiclass_data(
    iris_scores: tuple[np.ndarray, np.ndarray],
) -> None:
    y, proba = iris_scores
    decided = proba.argmax(axis=1)
    metrics = evaluation.classification_metrics(y, proba)
    assert "brier" not in metrics
    assert metrics["f1"] == pytest.approx(metrics["f1_macro"])
    assert metrics["f1_micro"] == pytest.approx(metrics["accuracy"])
    assert metrics["f1_weighted"] == pytest.approx(
        skm.f1_score(y, decided, average="weighted")
    )
    assert metrics["recall_weighted"] == pytest.approx(
        skm.recall_score(y, decided, average="weighted")
    )
    assert metrics["average_precision"] == pytest.approx(
        skm.average_precision_score(y, proba, average="macro")
    )


def test_average_precision_is_left_out_when_a_class_is_absent(
    iris_scores: tuple[np.ndarray, np.ndarray],
) -> None:
    y, proba = iris_scores
    present = y != 2
    metrics = evaluation.classification_metrics(y[present], proba[present])
    assert "average_precision" not in metrics and "roc_auc" not in metrics
    assert "f1_weighted" in metrics


def test_predicted_changes_decisions_but_not_threshold_free_scores(
    cancer_scores: tuple[np.ndarray, np.ndarray],
) -> None:
    y, proba = cancer_scores
    tuned = (proba[:, 1] >= 0.995).astype(np.int64)
    default = evaluation.classification_metrics(y, proba)
    moved = evaluation.classification_metrics(y, proba, predicted=tuned)
    assert moved["accuracy"] == pytest.approx(skm.accuracy_score(y, tuned))
    assert moved["accuracy"] != pytest.approx(default["accuracy"])
    assert moved["recall"] < default["recall"]
    for name in ("roc_auc", "average_precision", "log_loss", "brier"):
        assert moved[name] == default[name]
    details, _ = evaluation.classification_details(y, proba, [0, 1], predicted=tuned)
    assert details["confusion_matrix"] == skm.confusion_matrix(y, tuned).tolist()
    assert details["confusion_matrix"] != evaluation.confusion(y, proba)


def test_regression_metrics_agree_with_sklearn_on_diabetes(
    diabetes_predictions: tuple[np.ndarray, np.ndarray],
) -> None:
    y, predicted = diabetes_predictions
    metrics = evaluation.regression_metrics(y, predicted)
    expected = {
        "mape": skm.mean_absolute_percentage_error(y, predicted),
        "explained_variance": skm.explained_variance_score(y, predicted),
        "median_ae": skm.median_absolute_error(y, predicted),
        "pinball_q10": skm.mean_pinball_loss(y, predicted, alpha=0.1),
        "pinball_q50": skm.mean_pinball_loss(y, predicted, alpha=0.5),
        "pinball_q90": skm.mean_pinball_loss(y, predicted, alpha=0.9),
        "rmse": skm.root_mean_squared_error(y, predicted),
    }
    assert metrics == pytest.approx({**metrics, **expected})
    assert metrics["pinball_q50"] == pytest.approx(metrics["mae"] / 2)
    mse = metrics["rmse"] ** 2
    # Huber is a squared loss cut down to linear in the tails: never above MSE/2,
    # and close to it when most residuals are within delta (~1.345 x 1.48 x MAD).
    assert 0.5 * mse / 2 < metrics["huber"] <= mse / 2


def test_mape_is_left_out_when_a_true_value_is_zero(
    diabetes_predictions: tuple[np.ndarray, np.ndarray],
) -> None:
    y, predicted = diabetes_predictions
    y = y.copy()
    y[0] = 0.0
    metrics = evaluation.regression_metrics(y, predicted)
    assert "mape" not in metrics and "huber" in metrics


def test_huber_matches_a_hand_computed_example() -> None:
    y = np.array([0.0, 1.0, 2.0, 3.0, 100.0])  # median 2, MAD 1
    predicted = np.array([0.5, 1.0, 2.0, 3.0, 0.0])  # residuals 0.5 and 100
    delta = 1.345 * 1.4826 * 1.0
    expected = (0.5**2 / 2 + delta * (100 - delta / 2)) / 5
    assert evaluation.huber_delta(y) == pytest.approx(delta)
    assert evaluation.regression_metrics(y, predicted)["huber"] == pytest.approx(
        expected
    )


def test_huber_delta_falls_back_to_std_then_to_one() -> None:
    mostly_equal = np.array([5.0, 5.0, 5.0, 5.0, 9.0])  # MAD 0, std 1.6
    assert evaluation.huber_delta(mostly_equal) == pytest.approx(1.345 * 1.6)
    assert evaluation.huber_delta(np.full(4, 7.0)) == pytest.approx(1.345)


def test_pr_points_match_sklearn_and_skip_absent_classes(
    cancer_scores: tuple[np.ndarray, np.ndarray],
    iris_scores: tuple[np.ndarray, np.ndarray],
) -> None:
    y, proba = cancer_scores
    (curve,) = evaluation.pr_points(y, proba, ["malignant", "benign"])
    precision, recall, _ = skm.precision_recall_curve(y, proba[:, 1])
    assert curve["label"] == "benign"
    assert curve["precision"] == pytest.approx(precision, abs=1e-5)
    assert curve["recall"] == pytest.approx(recall, abs=1e-5)
    assert curve["average_precision"] == pytest.approx(
        skm.average_precision_score(y, proba[:, 1])
    )
    y, proba = iris_scores
    labels = ["setosa", "versicolor", "virginica"]
    assert [c["label"] for c in evaluation.pr_points(y, proba, labels)] == labels
    present = y != 1
    kept = evaluation.pr_points(y[present], proba[present], labels)
    assert [c["label"] for c in kept] == ["setosa", "virginica"]


def test_pr_points_are_thinned_keeping_both_ends(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 5000)
    scores = rng.random(5000)
    (curve,) = evaluation.pr_points(y, np.column_stack([1 - scores, scores]), [0, 1])
    assert len(curve["precision"]) <= evaluation.MAX_CURVE_POINTS
    assert curve["recall"][0] == 1.0 and curve["recall"][-1] == 0.0
    assert curve["precision"][-1] == 1.0


def _calibrated(levels: np.ndarray, rows_per_level: int) -> tuple[np.ndarray, ...]:
    """Rows whose probability p comes true for exactly p of them."""
    proba = np.repeat(levels, rows_per_level)
    y = np.concatenate(
        [np.arange(rows_per_level) < round(p * rows_per_level) for p in levels]
    ).astype(np.int64)
    return y, np.column_stack([1 - proba, proba])


@pytest.mark.parametrize("n_levels", [5, 10])  # uniform bins, then quantile bins
def test_calibration_points_of_a_perfectly_calibrated_model_lie_on_the_diagonal(
    n_levels: int,
) -> None:
    levels = (np.arange(n_levels) + 0.5) / n_levels
    y, proba = _calibrated(levels, 20)
    (curve,) = evaluation.calibration_points(y, proba, ["no", "yes"])
    assert curve["label"] == "yes" and len(curve["mean_predicted"]) >= 5
    assert curve["fraction_positive"] == pytest.approx(curve["mean_predicted"])
    assert curve["brier"] == pytest.approx(skm.brier_score_loss(y, proba[:, 1]))
    assert curve["brier"] == pytest.approx(np.mean(levels * (1 - levels)))


def test_calibration_points_match_sklearn_per_class(
    cancer_scores: tuple[np.ndarray, np.ndarray],
    iris_scores: tuple[np.ndarray, np.ndarray],
) -> None:
    y, proba = cancer_scores
    (curve,) = evaluation.calibration_points(y, proba, [0, 1], n_bins=5)
    fraction, mean = calibration_curve(y, proba[:, 1], n_bins=5, strategy="quantile")
    assert curve["fraction_positive"] == pytest.approx(fraction, abs=1e-5)
    assert curve["mean_predicted"] == pytest.approx(mean, abs=1e-5)
    y, proba = iris_scores
    curves = evaluation.calibration_points(y, proba, ["a", "b", "c"])
    assert len(curves) == 3
    assert curves[2]["brier"] == pytest.approx(
        skm.brier_score_loss(y == 2, proba[:, 2])
    )


def test_calibration_points_reject_a_bad_bin_count(
    cancer_scores: tuple[np.ndarray, np.ndarray],
) -> None:
    y, proba = cancer_scores
    with pytest.raises(InvalidInputError, match="n_bins"):
        evaluation.calibration_points(y, proba, [0, 1], n_bins=1)


def test_classification_details_hold_every_curve_and_png(
    iris_scores: tuple[np.ndarray, np.ndarray],
) -> None:
    y, proba = iris_scores
    labels = ["setosa", "versicolor", "virginica"]
    details, figures = evaluation.classification_details(y, proba, labels)
    assert details["labels"] == labels
    assert np.array(details["confusion_matrix"]).sum() == len(y)
    for key in ("roc_curve", "pr_curve", "calibration_curve"):
        assert [curve["label"] for curve in details[key]] == labels
    assert set(figures) == {
        "confusion_matrix.png",
        "roc_curve.png",
        "pr_curve.png",
        "calibration.png",
    }
    assert all(png.startswith(PNG) and len(png) < 200_000 for png in figures.values())
    assert json.loads(json.dumps(details)) == details


def test_regression_details_hold_sampled_residuals(
    diabetes_predictions: tuple[np.ndarray, np.ndarray], seed: int
) -> None:
    y, predicted = diabetes_predictions
    details, figures = evaluation.regression_details(y, predicted, seed)
    assert details["residuals"] == evaluation.residual_points(y, predicted, seed)
    assert list(figures) == ["residuals.png"]
    assert figures["residuals.png"].startswith(PNG)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_decision_scores_match_sklearn_with_absent_classes(k: int) -> None:
    from loom.training.evaluation import _decision_scores

    rng = np.random.default_rng(k)
    labels = np.arange(k)
    average = "binary" if k == 2 else "macro"
    for trial in range(25):
        n = int(rng.integers(1, 40))
        # Some trials leave a class out of the truth or of the decisions.
        y = rng.integers(0, k - (trial % 2), n)
        decided = rng.integers(0, k - (trial % 3 == 0), n)
        got = _decision_scores(y, decided, k)
        expected = {
            "accuracy": skm.accuracy_score(y, decided),
            "f1_micro": skm.f1_score(y, decided, labels=labels, average="micro"),
        }
        for name, scorer in (
            ("precision", skm.precision_score),
            ("recall", skm.recall_score),
            ("f1", skm.f1_score),
        ):
            expected[name] = scorer(
                y, decided, labels=labels, average=average, zero_division=0
            )
            expected[f"{name}_weighted"] = scorer(
                y, decided, labels=labels, average="weighted", zero_division=0
            )
        expected["f1_macro"] = skm.f1_score(
            y, decided, labels=labels, average="macro", zero_division=0
        )
        for name, value in expected.items():
            assert got[name] == pytest.approx(value, abs=1e-12), (trial, name)
