"""train(): quality floors on real data, evaluation schemes, validation, determinism."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from loom.core.errors import InvalidInputError
from loom.training.fitting import TrainingSpec, train

PNG = b"\x89PNG"


def test_train_random_forest_iris_holdout(iris_df: pd.DataFrame, seed: int) -> None:
    lines: list[str] = []
    spec = TrainingSpec("random_forest_classifier", {}, "species", seed=seed)
    outcome = train(iris_df, spec, log=lines.append)
    assert outcome.metrics["accuracy"] >= 0.85
    assert outcome.metrics["roc_auc"] >= 0.95
    assert {
        "accuracy",
        "precision",
        "recall",
        "f1",
        "f1_micro",
        "f1_macro",
        "f1_weighted",
        "roc_auc",
        "average_precision",
        "log_loss",
    } <= set(outcome.metrics)
    assert (outcome.n_train, outcome.n_test) == (120, 30)
    assert outcome.cv_metrics is None
    details = outcome.details
    assert details["labels"] == ["setosa", "versicolor", "virginica"]
    assert sum(map(sum, details["confusion_matrix"])) == 30
    assert [c["label"] for c in details["roc_curve"]] == details["labels"]
    json.dumps(details)
    assert {"roc_curve.png", "confusion_matrix.png"} <= set(outcome.plots)
    assert all(png.startswith(PNG) for png in outcome.plots.values())
    assert any(
        "holdout split: 120 train / 30 test rows (stratified)" in x for x in lines
    )
    assert outcome.bundle.labels == details["labels"]


def test_train_random_forest_iris_cv5(iris_df: pd.DataFrame, seed: int) -> None:
    spec = TrainingSpec(
        "random_forest_classifier", {}, "species", seed=seed, cv_folds=5
    )
    outcome = train(iris_df, spec)
    assert outcome.metrics["accuracy"] >= 0.9
    assert outcome.cv_metrics is not None
    assert all(len(v) == 5 for v in outcome.cv_metrics.values())
    mean = sum(outcome.cv_metrics["accuracy"]) / 5
    assert outcome.metrics["accuracy"] == pytest.approx(mean)
    assert outcome.details["evaluated_on"] == "cross_validation"
    assert sum(map(sum, outcome.details["confusion_matrix"])) == 150
    assert outcome.n_train == 150


def test_train_linear_regression_diabetes(diabetes_df: pd.DataFrame, seed: int) -> None:
    outcome = train(
        diabetes_df, TrainingSpec("linear_regression", {}, "target", seed=seed)
    )
    assert outcome.metrics["r2"] >= 0.3
    assert {"rmse", "mae", "r2", "mape", "huber", "pinball_q50"} <= set(outcome.metrics)
    residuals = outcome.details["residuals"]
    assert len(residuals["fitted"]) == len(residuals["residual"]) == outcome.n_test
    assert outcome.plots["residuals.png"].startswith(PNG)


def test_train_logistic_regression_breast_cancer(
    cancer_df: pd.DataFrame, seed: int
) -> None:
    spec = TrainingSpec("logistic_regression", {"C": "0.5"}, "target", seed=seed)
    outcome = train(cancer_df, spec)
    assert outcome.metrics["roc_auc"] >= 0.95
    assert outcome.details["labels"] == [0, 1]
    assert len(outcome.details["roc_curve"]) == 1  # binary: the positive class only


def test_train_kmeans_iris(iris_df: pd.DataFrame, seed: int) -> None:
    spec = TrainingSpec("kmeans", {"n_clusters": 3}, None, seed=seed)
    outcome = train(iris_df.drop(columns="species"), spec)
    assert outcome.metrics["silhouette"] > 0.4
    assert "davies_bouldin" in outcome.metrics
    assert sum(outcome.details["cluster_sizes"].values()) == 150
    assert outcome.plots["clusters.png"].startswith(PNG)
    assert (outcome.n_train, outcome.n_test) == (150, 0)


def test_train_kmeans_ignores_the_target_column(
    iris_df: pd.DataFrame, seed: int
) -> None:
    spec = TrainingSpec("kmeans", {"n_clusters": 3}, "species", seed=seed)
    assert "species" not in train(iris_df, spec).bundle.features


@pytest.mark.parametrize("algorithm", ["lightgbm_regressor", "random_forest_regressor"])
def test_train_with_strings_and_missing_values(
    mixed_df: pd.DataFrame, seed: int, algorithm: str
) -> None:
    spec = TrainingSpec(
        algorithm, {"n_estimators": 50}, "target", seed=seed, cv_folds=3
    )
    outcome = train(mixed_df, spec)
    assert outcome.metrics["r2"] > 0.2
    assert "sex=female" in outcome.bundle.encoder.feature_names_out
    assert outcome.bundle.encoder.impute is (algorithm != "lightgbm_regressor")


def test_train_lightgbm_classifier_string_target(
    iris_df: pd.DataFrame, seed: int
) -> None:
    outcome = train(
        iris_df, TrainingSpec("lightgbm_classifier", {}, "species", seed=seed)
    )
    assert outcome.metrics["accuracy"] >= 0.85


def test_train_drops_null_target_rows_with_a_log_line(
    iris_df: pd.DataFrame, seed: int
) -> None:
    frame = iris_df.copy()
    frame.loc[[0, 60, 120], "species"] = None
    lines: list[str] = []
    outcome = train(
        frame,
        TrainingSpec(
            "random_forest_classifier", {"n_estimators": 10}, "species", seed=seed
        ),
        log=lines.append,
    )
    assert "dropped 3 rows with a null target 'species'" in lines
    assert outcome.n_train + outcome.n_test == 147


@pytest.mark.parametrize(
    ("algorithm", "cv_folds"),
    [("random_forest_classifier", None), ("lightgbm_classifier", 3), ("kmeans", None)],
)
def test_train_is_deterministic(
    iris_df: pd.DataFrame, seed: int, algorithm: str, cv_folds: int | None
) -> None:
    target = None if algorithm == "kmeans" else "species"
    frame = iris_df if target else iris_df.drop(columns="species")
    spec = TrainingSpec(algorithm, {}, target, seed=seed, cv_folds=cv_folds)
    first, second = train(frame, spec), train(frame, spec)
    assert first.metrics == second.metrics
    assert first.cv_metrics == second.cv_metrics
    assert first.details == second.details


def test_train_different_seed_changes_the_split(iris_df: pd.DataFrame) -> None:
    spec = TrainingSpec("random_forest_classifier", {"n_estimators": 10}, "species")
    a = train(iris_df, spec)
    spec.seed = 7
    b = train(iris_df, spec)
    assert a.details["roc_curve"] != b.details["roc_curve"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            TrainingSpec("random_forest_classifier", {}, "kind"),
            "target column 'kind' not found; columns are: sepal_length, ",
        ),
        (
            TrainingSpec(
                "random_forest_classifier", {}, "species", features=["height"]
            ),
            "feature column 'height' not found",
        ),
        (
            TrainingSpec(
                "random_forest_classifier", {}, "species", features=["species"]
            ),
            "target column 'species' cannot also be a feature",
        ),
        (TrainingSpec("random_forest_classifier", {}, None), "needs a target column"),
        (
            TrainingSpec("random_forest_classifier", {}, "species", cv_folds=1),
            r"cv_folds must be an int in the range \[2, 20\] or None; got 1",
        ),
        (
            TrainingSpec("random_forest_classifier", {}, "species", cv_folds=21),
            "cv_folds must be",
        ),
        (
            TrainingSpec("random_forest_classifier", {}, "species", test_size=0.95),
            r"test_size must be a float in the range \(0, 0.9\); got 0.95",
        ),
        (
            TrainingSpec("random_forest_classifier", {"n_estimators": 0}, "species"),
            "The 'n_estimators' parameter of random_forest_classifier",
        ),
        (TrainingSpec("gpt", {}, "species"), "unknown algorithm 'gpt'"),
        (
            TrainingSpec("linear_regression", {}, "species"),
            "regression target 'species' must be numeric",
        ),
        (
            TrainingSpec("random_forest_classifier", {}, "sepal_length"),
            "classification target 'sepal_length' holds non-integer numbers",
        ),
    ],
)
def test_train_rejects_bad_requests(
    iris_df: pd.DataFrame, spec: TrainingSpec, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        train(iris_df, spec)


def test_train_rejects_single_class_target(iris_df: pd.DataFrame) -> None:
    setosa = iris_df[iris_df["species"] == "setosa"]
    with pytest.raises(InvalidInputError, match="needs at least 2 classes; got 1"):
        train(setosa, TrainingSpec("logistic_regression", {}, "species"))


def test_train_rejects_classes_smaller_than_the_folds(iris_df: pd.DataFrame) -> None:
    frame = pd.concat([iris_df, iris_df.head(2).assign(species="rare")])
    spec = TrainingSpec("logistic_regression", {}, "species", cv_folds=5)
    with pytest.raises(
        InvalidInputError,
        match=r"class 'rare' .* has 2 rows; each class needs at least 5 \(use fewer",
    ):
        train(frame, spec)


def test_train_reads_whole_float_labels_as_ints(
    cancer_df: pd.DataFrame, seed: int
) -> None:
    frame = cancer_df.assign(target=cancer_df["target"].astype(float))
    frame.loc[[3, 5], "target"] = None
    spec = TrainingSpec(
        "random_forest_classifier", {"n_estimators": 10}, "target", seed=seed
    )
    outcome = train(frame, spec)
    assert outcome.details["labels"] == [0, 1]
    predictions, probabilities = outcome.bundle.predict_frame(frame.head(2))
    assert all(type(p) is int for p in predictions)
    assert probabilities is not None and set(probabilities[0]) == {"0", "1"}
