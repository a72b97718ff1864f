"""Fit rules: class imbalance, overfitting, underfitting, fold-to-fold spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loom.advice import advise
from loom.advice.rules_fit import (
    high_variance_folds,
    imbalanced_classes,
    overfitting,
    underfitting,
)
from tests.advice.builders import only, supervised_input


@pytest.fixture(scope="module")
def rare_malignant(cancer_df: pd.DataFrame) -> pd.DataFrame:
    """All 357 benign tumours and only the first 20 malignant ones."""
    malignant = cancer_df[cancer_df["diagnosis"] == "malignant"].head(20)
    benign = cancer_df[cancer_df["diagnosis"] == "benign"]
    return pd.concat([malignant, benign]).reset_index(drop=True)


@pytest.fixture(scope="module")
def diabetes_high_low(diabetes_df: pd.DataFrame) -> pd.DataFrame:
    """Diabetes progression above/below its median: a hard, noisy 2-class task."""
    frame = diabetes_df.copy()
    median = frame["target"].median()
    frame["target"] = np.where(frame["target"] > median, "high", "low")
    return frame


def test_imbalanced_classes_warns_and_quotes_the_rare_class_scores(
    rare_malignant: pd.DataFrame,
) -> None:
    data = supervised_input(rare_malignant, "diagnosis", "cart_classifier")
    finding = only(advise(data), "imbalanced_classes")
    assert finding.severity == "warning"
    assert "benign: 357, malignant: 20" in finding.evidence
    assert "5.6% as many rows as the largest" in finding.evidence
    # Always answering "benign" would score 357/377.
    assert "accuracy 0.947" in finding.evidence
    for score in ("F1", "recall", "ROC-AUC", "average precision"):
        assert f"{score} " in finding.evidence
    for option in ("class_weight=balanced", "resampling=smote", "threshold=f1"):
        assert option in finding.remedy


def test_imbalanced_classes_is_info_when_the_run_corrects_for_it(
    rare_malignant: pd.DataFrame,
) -> None:
    data = supervised_input(
        rare_malignant,
        "diagnosis",
        "cart_classifier",
        options={"class_weight": "balanced"},
    )
    finding = only(imbalanced_classes(data), "imbalanced_classes")
    assert finding.severity == "info"
    assert "class_weight=balanced" in finding.evidence


def test_imbalanced_classes_silent_on_the_full_cancer_table(
    cancer_df: pd.DataFrame,
) -> None:
    # 212 malignant against 357 benign: 59% of the majority.
    assert (
        imbalanced_classes(supervised_input(cancer_df, "diagnosis", "cart_classifier"))
        == []
    )


def test_overfitting_flags_a_deep_tree_and_names_its_parameters(
    diabetes_high_low: pd.DataFrame,
) -> None:
    data = supervised_input(diabetes_high_low, "target", "cart_classifier")
    assert data.train_metrics["accuracy"] == 1.0
    finding = only(advise(data), "overfitting")
    assert finding.severity == "warning"
    assert "Training accuracy 1.000 against held-out accuracy" in finding.evidence
    assert "max_depth" in finding.remedy
    assert "min_samples_leaf" in finding.remedy


def test_overfitting_flags_a_regression_tree(diabetes_df: pd.DataFrame) -> None:
    data = supervised_input(diabetes_df, "target", "cart_regressor")
    finding = only(overfitting(data), "overfitting")
    assert "Training r2 1.000" in finding.evidence


def test_overfitting_names_c_for_svm_and_k_for_knn(
    diabetes_high_low: pd.DataFrame,
) -> None:
    knn = supervised_input(
        diabetes_high_low, "target", "knn_classifier", params={"n_neighbors": 1}
    )
    assert "n_neighbors" in only(overfitting(knn), "overfitting").remedy
    svm = supervised_input(
        diabetes_high_low, "target", "svm_classifier", params={"C": 1e4}
    )
    assert "a smaller C" in only(overfitting(svm), "overfitting").remedy


def test_overfitting_silent_on_a_shallow_tree(diabetes_high_low: pd.DataFrame) -> None:
    data = supervised_input(
        diabetes_high_low, "target", "cart_classifier", params={"max_depth": 2}
    )
    assert overfitting(data) == []


def test_underfitting_flags_a_regression_on_an_uninformative_column(
    diabetes_df: pd.DataFrame,
) -> None:
    data = supervised_input(
        diabetes_df[["sex", "target"]], "target", "linear_regression"
    )
    finding = only(advise(data), "underfitting")
    assert finding.severity == "warning"
    assert "Training r2 0.000" in finding.evidence
    assert "random_forest_regressor" in finding.remedy
    assert "alpha" not in finding.remedy  # no penalty, so alpha does nothing


def test_underfitting_silent_when_the_model_learns(
    diabetes_df: pd.DataFrame, diabetes_high_low: pd.DataFrame
) -> None:
    assert (
        underfitting(supervised_input(diabetes_df, "target", "linear_regression")) == []
    )
    shallow = supervised_input(
        diabetes_high_low, "target", "cart_classifier", params={"max_depth": 2}
    )
    assert underfitting(shallow) == []


def test_high_variance_folds_flags_unstable_fold_scores(
    diabetes_df: pd.DataFrame,
) -> None:
    data = supervised_input(diabetes_df, "target", "linear_regression", cv_folds=5)
    finding = only(advise(data), "high_variance_folds")
    assert finding.severity == "info"
    assert "r2 over 5 folds ranges from 0.391 to 0.584" in finding.evidence
    assert "group_column" in finding.remedy


def test_high_variance_folds_silent_on_stable_folds(iris_df: pd.DataFrame) -> None:
    data = supervised_input(iris_df, "species", "logistic_regression", cv_folds=5)
    assert data.cv_metrics is not None
    assert np.std(data.cv_metrics["accuracy"]) < 0.05
    assert high_variance_folds(data) == []


def test_imbalanced_classes_silent_on_ten_balanced_classes() -> None:
    # Digits: ten classes of about 180 rows, each under 10% of all rows.
    from sklearn.datasets import load_digits

    frame = load_digits(as_frame=True).frame.iloc[:, -17:]  # last 16 pixels
    data = supervised_input(frame, "target", "cart_classifier")
    assert imbalanced_classes(data) == []
