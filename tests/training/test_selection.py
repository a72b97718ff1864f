"""Feature selection on breast cancer, diabetes and iris: counts, determinism, JSON."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris

from loom.core.errors import InvalidInputError
from loom.training.selection import SELECTION_METHODS, FeatureSelection

_LOADERS = {
    "cancer": (load_breast_cancer, "classification"),
    "diabetes": (load_diabetes, "regression"),
    "iris": (load_iris, "classification"),
}


def _data(name: str) -> tuple[np.ndarray, np.ndarray, list[str], str]:
    loader, task = _LOADERS[name]
    data = loader()
    return data.data, data.target, list(data.feature_names), task


def _fit(name: str, method: str, seed: int = 42, **knobs: Any) -> FeatureSelection:
    X, y, names, task = _data(name)
    return FeatureSelection.fit(X, y, names, task, method, seed=seed, **knobs)


@pytest.mark.parametrize(
    ("dataset", "method", "knobs", "expected"),
    [
        ("cancer", "variance", {}, 30),
        ("cancer", "chi2", {}, 15),
        ("cancer", "chi2", {"k": 5}, 5),
        ("cancer", "mutual_info", {"k": 10}, 10),
        ("cancer", "tree_importance", {}, 15),
        ("cancer", "tree_importance", {"k": 7}, 7),
        ("cancer", "l1", {"k": 4}, 4),
        ("diabetes", "mutual_info", {}, 5),
        ("diabetes", "tree_importance", {}, 5),
        ("iris", "chi2", {}, 2),
        ("iris", "mutual_info", {"k": 3}, 3),
    ],
)
def test_fit_keeps_the_expected_number_of_columns(
    dataset: str, method: str, knobs: dict[str, Any], expected: int
) -> None:
    selection = _fit(dataset, method, **knobs)
    assert len(selection.selected) == expected
    assert selection.selected == sorted(selection.selected)
    X, _, names, _ = _data(dataset)
    assert selection.transform(X).shape == (len(X), expected)
    assert set(selection.scores) == set(names)


def test_fit_variance_threshold_keeps_columns_above_it() -> None:
    X, _, _, _ = _data("cancer")
    selection = _fit("cancer", "variance", threshold=1.0)
    expected = np.flatnonzero(X.var(axis=0) > 1.0).tolist()
    assert selection.selected == expected and 0 < len(expected) < 30


def test_fit_l1_keeps_columns_with_nonzero_coefficients() -> None:
    selection = _fit("cancer", "l1")
    nonzero = [i for i, n in enumerate(selection.names) if selection.scores[n] > 1e-5]
    assert selection.selected == nonzero and 1 < len(nonzero) < 30
    diabetes = _fit("diabetes", "l1")
    assert diabetes.params["estimator"] == "LassoCV"
    assert "bmi" in diabetes.names_out and "s5" in diabetes.names_out


def test_fit_rfecv_keeps_the_rank_one_columns_it_chose() -> None:
    selection = _fit("diabetes", "rfecv", k=1)  # k is ignored: RFECV chooses
    ranked_first = [n for n in selection.names if selection.scores[n] == 1.0]
    assert selection.names_out == ranked_first
    assert len(ranked_first) == selection.params["n_selected"] >= 1


@pytest.mark.parametrize(
    ("dataset", "method"),
    [
        ("iris", "variance"),
        ("iris", "chi2"),
        ("iris", "rfecv"),
        ("iris", "l1"),
        ("diabetes", "mutual_info"),
        ("diabetes", "tree_importance"),
        ("diabetes", "rfecv"),
        ("diabetes", "l1"),
    ],
)
def test_fit_is_deterministic_per_seed(dataset: str, method: str) -> None:
    first, second = _fit(dataset, method, seed=7), _fit(dataset, method, seed=7)
    assert first.to_dict() == second.to_dict()


def test_fit_mutual_info_ranks_known_strong_cancer_features_high() -> None:
    selection = _fit("cancer", "mutual_info", k=10)
    assert {"worst perimeter", "worst area", "worst radius"} <= set(selection.names_out)
    assert "texture error" not in selection.names_out


def test_to_dict_round_trip_through_json_transforms_identically() -> None:
    X, _, names, _ = _data("cancer")
    for method in ("chi2", "tree_importance"):
        selection = _fit("cancer", method)
        restored = FeatureSelection.from_dict(
            json.loads(json.dumps(selection.to_dict()))
        )
        assert np.array_equal(restored.transform(X), selection.transform(X))
        assert restored.names_out == selection.names_out
    frame = pd.DataFrame(X, columns=names)
    assert list(restored.transform(frame).columns) == restored.names_out


def test_summary_lists_kept_and_dropped_names_with_float_scores() -> None:
    summary = _fit("iris", "chi2").summary()
    assert set(summary) == {"method", "params", "selected", "dropped", "scores"}
    assert summary["method"] == "chi2" and summary["params"] == {"k": 2}
    assert summary["selected"] == ["petal length (cm)", "petal width (cm)"]
    assert summary["dropped"] == ["sepal length (cm)", "sepal width (cm)"]
    assert all(isinstance(v, float) for v in summary["scores"].values())
    json.dumps(summary)


def test_fit_errors_name_the_parameter_and_the_choices() -> None:
    X, y, names, task = _data("iris")
    with pytest.raises(InvalidInputError, match=r"one of variance, chi2.*got 'pca'"):
        FeatureSelection.fit(X, y, names, task, "pca", seed=0)
    with pytest.raises(InvalidInputError, match=r"k must be .*\[1, 4\].*got 0"):
        FeatureSelection.fit(X, y, names, task, "chi2", k=0, seed=0)
    with pytest.raises(InvalidInputError, match=r"\[1, 4\].*got 5"):
        FeatureSelection.fit(X, y, names, task, "mutual_info", k=5, seed=0)
    with pytest.raises(InvalidInputError, match="task 'classification' or"):
        FeatureSelection.fit(X, y, names, "clustering", "variance", seed=0)


def test_fit_chi2_rejects_regression_and_negative_values() -> None:
    X, y, names, _ = _data("diabetes")
    with pytest.raises(InvalidInputError, match="'chi2' needs a classification"):
        FeatureSelection.fit(X, y, names, "regression", "chi2", seed=0)
    above_median = (y > np.median(y)).astype(int)
    with pytest.raises(InvalidInputError, match=r"column 'age' has negative.*mutual_"):
        FeatureSelection.fit(X, above_median, names, "classification", "chi2", seed=0)


def test_fit_variance_too_high_threshold_says_lower_it() -> None:
    X, y, names, task = _data("iris")
    message = (
        "feature selection 'variance' with threshold 5.0 kept no columns; "
        "lower the threshold"
    )
    with pytest.raises(InvalidInputError) as caught:
        FeatureSelection.fit(X, y, names, task, "variance", threshold=5.0, seed=0)
    assert caught.value.message == message


def test_fit_rejects_missing_values_naming_the_column() -> None:
    X, y, names, task = _data("iris")
    X = X.copy()
    X[3, 1] = np.nan
    with pytest.raises(InvalidInputError, match="column 'sepal width \\(cm\\)' has"):
        FeatureSelection.fit(X, y, names, task, "mutual_info", seed=0)
    # Forests split around gaps, so tree importance still runs.
    selection = FeatureSelection.fit(X, y, names, task, "tree_importance", seed=0)
    assert len(selection.selected) == 2


def test_transform_and_from_dict_reject_mismatched_shapes() -> None:
    X, _, _, _ = _data("iris")
    selection = _fit("iris", "chi2")
    with pytest.raises(InvalidInputError, match="fitted on 4 columns; got 3"):
        selection.transform(X[:, :3])
    record = selection.to_dict()
    del record["scores"]
    with pytest.raises(InvalidInputError, match="lacks scores"):
        FeatureSelection.from_dict(record)
    record = {**selection.to_dict(), "selected": [1, 9]}
    with pytest.raises(InvalidInputError, match="outside its 4 columns"):
        FeatureSelection.from_dict(record)


def test_selection_methods_are_the_training_options_choices() -> None:
    from typing import get_args

    from loom.training.options import SelectionMethod

    assert set(SELECTION_METHODS) == set(get_args(SelectionMethod))
