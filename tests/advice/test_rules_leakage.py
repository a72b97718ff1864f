"""``leakage_suspect``: a feature that alone gives the target away."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loom.advice import advise
from loom.advice.rules_leakage import leakage_suspect
from tests.advice.builders import only, supervised_input


def test_leakage_suspect_flags_a_numeric_copy_of_a_binary_target(
    cancer_df: pd.DataFrame,
) -> None:
    frame = cancer_df.copy()
    frame["follow_up_code"] = (frame["diagnosis"] == "malignant").astype(int)
    data = supervised_input(frame, "diagnosis", "cart_classifier")
    findings = advise(data)
    finding = only(findings, "leakage_suspect")
    assert findings[0] is finding  # critical comes first
    assert finding.severity == "critical"
    assert finding.columns == ["follow_up_code"]
    assert "one-feature ROC-AUC 1.000" in finding.evidence
    assert "features list" in finding.remedy


def test_leakage_suspect_flags_a_numeric_copy_of_a_3_class_target(
    wine_df: pd.DataFrame,
) -> None:
    # One-vs-rest would miss it: the middle class sits between the other two.
    frame = wine_df.copy()
    frame["grade"] = frame["target"].str[-1].astype(int) * 10
    finding = only(
        leakage_suspect(supervised_input(frame, "target", "cart_classifier")),
        "leakage_suspect",
    )
    assert finding.columns == ["grade"]
    assert "over the 3 classes' pairs 1.000" in finding.evidence


def test_leakage_suspect_flags_a_category_that_maps_to_one_class(
    iris_df: pd.DataFrame,
) -> None:
    frame = iris_df.copy()
    frame["herbarium_label"] = frame["species"].str.upper()
    data = supervised_input(frame, "species", "cart_classifier")
    finding = only(leakage_suspect(data), "leakage_suspect")
    assert finding.columns == ["herbarium_label"]
    assert "Each of the 3 values" in finding.evidence


def test_leakage_suspect_flags_a_regression_target_proxy(
    diabetes_df: pd.DataFrame,
) -> None:
    frame = diabetes_df.copy()
    # The next visit's score: the target plus a little measurement noise.
    noise = np.random.default_rng(0).normal(0, 3, len(frame))
    frame["next_visit_score"] = frame["target"] + noise
    finding = only(
        leakage_suspect(supervised_input(frame, "target", "cart_regressor")),
        "leakage_suspect",
    )
    assert finding.severity == "critical"
    assert finding.columns == ["next_visit_score"]
    assert "Pearson r = 0.99" in finding.evidence


def test_leakage_suspect_silent_on_honest_features(
    iris_df: pd.DataFrame, cancer_df: pd.DataFrame, diabetes_df: pd.DataFrame
) -> None:
    # Petal length isolates setosa perfectly, and the best single cancer
    # feature reaches AUC 0.975: strong predictors, not leaks.
    assert (
        leakage_suspect(supervised_input(iris_df, "species", "cart_classifier")) == []
    )
    assert (
        leakage_suspect(supervised_input(cancer_df, "diagnosis", "cart_classifier"))
        == []
    )
    assert (
        leakage_suspect(supervised_input(diabetes_df, "target", "cart_regressor")) == []
    )
