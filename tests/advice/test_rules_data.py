"""Data rules: unscaled features, identifiers, categories, constants, sample size."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loom.advice import advise
from loom.advice.rules_data import (
    constant_or_near_constant,
    high_cardinality_category,
    identifier_as_number,
    small_sample,
    unscaled_features,
)
from tests.advice.builders import clustering_input, codes, only, supervised_input


def test_unscaled_features_fires_for_knn_on_raw_wine(wine_df: pd.DataFrame) -> None:
    data = supervised_input(
        wine_df, "target", "knn_classifier", params={"scale": False}
    )
    finding = only(advise(data), "unscaled_features")
    assert finding.severity == "warning"
    # proline's spread (std 315) against nonflavanoid_phenols' (std 0.12).
    assert finding.columns == ["proline", "nonflavanoid_phenols"]
    assert "2,530 times" in finding.evidence
    assert "--standardize" in finding.remedy


def test_unscaled_features_fires_for_unscaled_svm_and_kmeans(
    wine_df: pd.DataFrame,
) -> None:
    svm = supervised_input(wine_df, "target", "svm_classifier", params={"scale": False})
    assert unscaled_features(svm)[0].columns[0] == "proline"
    kmeans = clustering_input(
        wine_df.drop(columns="target"), "kmeans", params={"n_clusters": 3}
    )
    assert unscaled_features(kmeans)[0].columns[0] == "proline"


def test_unscaled_features_silent_when_standardized(wine_df: pd.DataFrame) -> None:
    data = supervised_input(
        wine_df,
        "target",
        "knn_classifier",
        params={"scale": False},
        options={"standardize": True},
    )
    assert "unscaled_features" not in codes(advise(data))


def test_unscaled_features_silent_when_the_algorithm_scales_itself(
    wine_df: pd.DataFrame,
) -> None:
    # svm_classifier and knn_classifier standardise by default (scale=true).
    for name in ("svm_classifier", "knn_classifier"):
        assert unscaled_features(supervised_input(wine_df, "target", name)) == []


def test_unscaled_features_silent_for_trees(wine_df: pd.DataFrame) -> None:
    data = supervised_input(wine_df, "target", "cart_classifier")
    assert not data.scale_sensitive
    assert unscaled_features(data) == []


def test_identifier_as_number_flags_a_row_index(cancer_df: pd.DataFrame) -> None:
    frame = cancer_df.copy()
    frame.insert(0, "row", np.arange(len(frame)))
    data = supervised_input(frame, "diagnosis", "cart_classifier")
    finding = only(advise(data), "identifier_as_number")
    assert finding.severity == "warning"
    assert finding.columns == ["row"]
    assert "100.0% of its 569 values are distinct" in finding.evidence


def test_identifier_as_number_flags_an_id_named_column(
    diabetes_df: pd.DataFrame,
) -> None:
    frame = diabetes_df.copy()
    # Patients seen up to three times: distinct for a third of the rows only,
    # but the name says key.
    frame["patient_id"] = np.arange(len(frame)) // 3 + 1000
    # 1/3 distinct is under the 50% a key-named column needs; 2/3 is not.
    frame["visit_id"] = np.arange(len(frame)) * 2 // 3
    data = supervised_input(frame, "target", "cart_regressor")
    assert [f.columns for f in identifier_as_number(data)] == [["visit_id"]]


def test_identifier_as_number_silent_on_measurements(
    wine_df: pd.DataFrame, diabetes_df: pd.DataFrame
) -> None:
    # proline and magnesium are whole numbers but repeat; age repeats too.
    for frame, target, name in (
        (wine_df, "target", "cart_classifier"),
        (diabetes_df, "target", "cart_regressor"),
    ):
        assert identifier_as_number(supervised_input(frame, target, name)) == []


def test_high_cardinality_category_flags_a_wide_string_column(
    iris_df: pd.DataFrame,
) -> None:
    frame = iris_df.copy()
    frame["specimen"] = [f"s{i % 75}" for i in range(len(frame))]
    data = supervised_input(frame, "species", "cart_classifier")
    finding = only(advise(data), "high_cardinality_category")
    assert finding.severity == "info"
    assert finding.columns == ["specimen"]
    assert "75 distinct values over 150 rows" in finding.evidence


def test_high_cardinality_category_silent_on_few_levels(iris_df: pd.DataFrame) -> None:
    frame = iris_df.copy()
    frame["size"] = np.where(frame.iloc[:, 0] > 5.8, "big", "small")
    data = supervised_input(frame, "species", "cart_classifier")
    assert high_cardinality_category(data) == []


def test_constant_or_near_constant_flags_a_column_with_one_odd_row(
    cancer_df: pd.DataFrame,
) -> None:
    frame = cancer_df.copy()
    frame["batch"] = 0.0
    frame.loc[7, "batch"] = 1.0
    data = supervised_input(frame, "diagnosis", "cart_classifier")
    finding = only(advise(data), "constant_or_near_constant")
    assert finding.severity == "info"
    assert finding.columns == ["batch"]
    assert "0.0 in 99.8% of rows (568 of 569)" in finding.evidence
    assert (
        constant_or_near_constant(
            supervised_input(cancer_df, "diagnosis", "cart_classifier")
        )
        == []
    )


def test_small_sample_flags_few_rows_per_feature(cancer_df: pd.DataFrame) -> None:
    frame = cancer_df.groupby("diagnosis").head(50).reset_index(drop=True)
    finding = only(
        advise(supervised_input(frame, "diagnosis", "cart_classifier")), "small_sample"
    )
    assert finding.severity == "warning"
    assert "100 rows for 30 encoded feature columns" in finding.evidence


def test_small_sample_silent_on_the_full_table(cancer_df: pd.DataFrame) -> None:
    # 569 rows for 30 columns: 19 per column.
    assert (
        small_sample(supervised_input(cancer_df, "diagnosis", "cart_classifier")) == []
    )


def test_pixel_rules_stay_silent_for_image_models(cancer_df: pd.DataFrame) -> None:
    from dataclasses import replace

    frame = cancer_df.groupby("diagnosis").head(50).reset_index(drop=True)
    frame["border"] = 0.0
    data = supervised_input(frame, "diagnosis", "cart_classifier")
    assert small_sample(data) and constant_or_near_constant(data)
    as_image = replace(data, algorithm="cnn_classifier")
    assert small_sample(as_image) == [] and constant_or_near_constant(as_image) == []
