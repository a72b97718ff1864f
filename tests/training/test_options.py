"""Training options end to end through train(): each changes what it should."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine

from loom.core.errors import InvalidInputError
from loom.training.bundle import ModelBundle
from loom.training.fitting import TrainingSpec, train
from loom.training.options import TrainingOptions


@pytest.fixture(scope="module")
def wine_df() -> pd.DataFrame:
    return load_wine(as_frame=True).frame


@pytest.fixture(scope="module")
def rare_cancer(cancer_df: pd.DataFrame) -> pd.DataFrame:
    """Breast cancer keeping 40 of the 212 malignant rows (target 0): ~10 % positive.

    Relabelled so the rare class is the positive one (1), as in fraud or disease.
    """
    malignant = cancer_df[cancer_df["target"] == 0].iloc[:40]
    benign = cancer_df[cancer_df["target"] == 1]
    frame = pd.concat([malignant, benign]).reset_index(drop=True)
    frame["target"] = 1 - frame["target"]
    return frame


def _spec(algorithm: str, target: str, **options: object) -> TrainingSpec:
    return TrainingSpec(
        algorithm, {}, target, options=TrainingOptions.model_validate(options)
    )


def _roundtrip(bundle: ModelBundle, tmp_path: Path) -> ModelBundle:
    bundle.save(tmp_path / "model")
    return ModelBundle.load(tmp_path / "model")


def test_standardize_lifts_knn_on_wine_and_survives_save(
    wine_df: pd.DataFrame, tmp_path: Path
) -> None:
    params = {"n_neighbors": 5, "scale": False}
    raw = train(wine_df, TrainingSpec("knn_classifier", params, "target"))
    spec = _spec("knn_classifier", "target", standardize=True)
    spec.params = params
    scaled = train(wine_df, spec)
    # Proline (hundreds) drowns every other feature until each is standardised.
    assert raw.metrics["accuracy"] <= 0.81
    assert scaled.metrics["accuracy"] >= 0.94
    loaded = _roundtrip(scaled.bundle, tmp_path)
    rows = wine_df.drop(columns="target").head(20)
    assert loaded.predict_frame(rows) == scaled.bundle.predict_frame(rows)
    record = rows.iloc[0].to_dict()
    assert loaded.predict_records([record])["predictions"] == [
        scaled.bundle.predict_frame(rows.head(1))[0][0]
    ]


def test_feature_selection_keeps_k_columns_and_serving_takes_all_inputs(
    cancer_df: pd.DataFrame, tmp_path: Path
) -> None:
    spec = _spec(
        "logistic_regression",
        "target",
        feature_selection={"method": "mutual_info", "k": 6},
        standardize=True,
    )
    outcome = train(cancer_df, spec)
    block = outcome.details["feature_selection"]
    assert len(block["selected"]) == 6 and len(block["dropped"]) == 24
    assert outcome.metrics["roc_auc"] >= 0.97
    loaded = _roundtrip(outcome.bundle, tmp_path)
    assert len(loaded.input_schema) == 30  # callers still send every column
    rows = cancer_df.drop(columns="target").tail(15)
    assert loaded.predict_frame(rows) == outcome.bundle.predict_frame(rows)


def test_threshold_f1_is_stored_and_applied_at_serving(
    rare_cancer: pd.DataFrame, tmp_path: Path
) -> None:
    spec = _spec("gaussian_nb", "target", threshold="f1")
    outcome = train(rare_cancer, spec)
    block = outcome.details["threshold"]
    value = block["value"]
    assert 0.0 < value < 1.0 and block["objective"] == "f1"
    assert outcome.bundle.threshold == value
    loaded = _roundtrip(outcome.bundle, tmp_path)
    predictions, probabilities = loaded.predict_frame(rare_cancer)
    assert probabilities is not None
    expected = [1 if p["1"] >= value else 0 for p in probabilities]
    assert predictions == expected
    json.dumps(outcome.details)


def test_cost_ratio_lowers_the_threshold(rare_cancer: pd.DataFrame) -> None:
    cheap = train(rare_cancer, _spec("logistic_regression", "target", threshold="cost"))
    costly = train(
        rare_cancer,
        _spec("logistic_regression", "target", threshold="cost", cost_ratio=20.0),
    )
    # Missing a positive 20x dearer than a false alarm: flag positives sooner.
    assert costly.bundle.threshold < cheap.bundle.threshold


def test_threshold_with_cv_tunes_per_fold(rare_cancer: pd.DataFrame) -> None:
    spec = _spec("logistic_regression", "target", threshold="f1")
    spec.cv_folds = 3
    outcome = train(rare_cancer, spec)
    block = outcome.details["threshold"]
    assert len(outcome.cv_metrics["f1"]) == 3
    # The stored threshold is the best point of the pooled out-of-fold curve.
    assert outcome.bundle.threshold == block["value"]
    assert block["score"] == pytest.approx(max(block["curve"]["scores"]))
    untuned = _spec("logistic_regression", "target")
    untuned.cv_folds = 3
    assert outcome.cv_metrics["f1"] != train(rare_cancer, untuned).cv_metrics["f1"]


def test_smote_balances_training_rows(rare_cancer: pd.DataFrame) -> None:
    outcome = train(
        rare_cancer, _spec("logistic_regression", "target", resampling="smote")
    )
    block = outcome.details["imbalance"]
    assert block["counts_before"]["1"] == 32  # 80 % of the 40 malignant rows
    # Counted from the rows the estimator saw: the minority is topped up to
    # the majority, which stays as it was.
    assert block["counts_after"]["0"] == block["counts_after"]["1"]
    assert block["counts_after"]["0"] == block["counts_before"]["0"]
    assert outcome.metrics["recall"] >= 0.85


def test_class_weight_needs_sample_weights(rare_cancer: pd.DataFrame) -> None:
    plain = train(rare_cancer, _spec("gaussian_nb", "target"))
    weighted = train(
        rare_cancer, _spec("gaussian_nb", "target", class_weight="balanced")
    )
    assert weighted.details["imbalance"]["class_weight"] == "balanced"
    # Balanced weights lift the rare class's prior from ~10 % to 50 %.
    assert weighted.metrics["log_loss"] != plain.metrics["log_loss"]
    assert weighted.metrics["recall"] >= plain.metrics["recall"]
    with pytest.raises(InvalidInputError, match=r"knn_classifier.*resampling"):
        train(rare_cancer, _spec("knn_classifier", "target", class_weight="balanced"))


def test_grouped_kfold_keeps_each_group_in_one_fold(iris_df: pd.DataFrame) -> None:
    frame = iris_df.assign(plant=np.arange(len(iris_df)) // 5)
    spec = _spec("cart_classifier", "species", group_column="plant")
    spec.cv_folds = 5
    outcome = train(frame, spec)
    assert outcome.details["groups"] == {"column": "plant", "n_groups": 30}
    assert "plant" not in outcome.bundle.features  # a grouping key is no feature

    from loom.algorithms.registry import get_algorithm, validate_params
    from loom.training import splits
    from loom.training.pipeline import Context

    ctx = Context(
        get_algorithm("cart_classifier"),
        validate_params("cart_classifier", {}),
        spec,
        ["sepal_length"],
        lambda _line: None,
    )
    y = pd.factorize(frame["species"])[0]
    for train_idx, test_idx in splits.kfold(ctx, frame, y, 5):
        assert not set(frame["plant"].iloc[train_idx]) & set(
            frame["plant"].iloc[test_idx]
        )


def test_learning_and_validation_curves(cancer_df: pd.DataFrame) -> None:
    spec = _spec(
        "cart_classifier",
        "target",
        learning_curve=True,
        validation_curve={"param": "max_depth", "values": [1, 3, 12]},
    )
    outcome = train(cancer_df, spec)
    learning = outcome.details["learning_curve"]
    assert learning["metric"] == "accuracy"
    assert len(learning["train_sizes"]) == len(learning["test_mean"]) == 5
    assert learning["train_sizes"] == sorted(learning["train_sizes"])
    curve = outcome.details["validation_curve"]
    assert curve["values"] == [1, 3, 12]
    # Deeper trees fit their own rows ever better: the textbook variance picture.
    assert curve["train_mean"][0] < curve["train_mean"][2]
    assert curve["train_mean"][2] >= 0.99
    assert {"learning_curve.png", "validation_curve.png"} <= set(outcome.plots)


def test_train_metrics_show_the_overfit_gap(cancer_df: pd.DataFrame) -> None:
    outcome = train(cancer_df, TrainingSpec("cart_classifier", {}, "target"))
    assert outcome.details["train_metrics"]["accuracy"] == 1.0
    assert outcome.metrics["accuracy"] < 1.0


@pytest.mark.parametrize(
    ("algorithm", "target", "options", "message"),
    [
        (
            "linear_regression",
            "target",
            {"threshold": "f1"},
            "option 'threshold'.*regression",
        ),
        (
            "linear_regression",
            "target",
            {"feature_selection": {"method": "chi2"}},
            "chi2",
        ),
        ("logistic_regression", "target", {"group_column": "nope"}, "'nope' not found"),
        (
            "cart_classifier",
            "target",
            {"validation_curve": {"param": "depth", "values": [1, 2]}},
            "'depth' is not a parameter",
        ),
        (
            "cart_classifier",
            "target",
            {"validation_curve": {"param": "max_depth", "values": [1, -3]}},
            "value -3",
        ),
        ("kmeans", None, {"learning_curve": True}, "learning_curve"),
    ],
)
def test_options_that_cannot_apply_are_refused_before_fitting(
    diabetes_df: pd.DataFrame,
    algorithm: str,
    target: str | None,
    options: dict[str, object],
    message: str,
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        train(diabetes_df, _spec(algorithm, target, **options))


def test_threshold_needs_two_classes(iris_df: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="binary target; 'species' has 3"):
        train(iris_df, _spec("logistic_regression", "species", threshold="f1"))


def test_constant_feature_is_named(iris_df: pd.DataFrame) -> None:
    frame = iris_df.assign(batch=7, empty=np.nan)
    with pytest.raises(
        InvalidInputError, match=r"'batch' \(always 7\).*'empty' \(all null\)"
    ):
        train(frame, TrainingSpec("cart_classifier", {}, "species"))


def test_log_target_error_names_the_column(diabetes_df: pd.DataFrame) -> None:
    frame = diabetes_df.assign(target=diabetes_df["target"] - 100)
    spec = TrainingSpec("linear_regression", {"log_target": True}, "target")
    with pytest.raises(InvalidInputError, match="target column 'target' has"):
        train(frame, spec)
