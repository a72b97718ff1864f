"""Extra trees, AdaBoost, GBM: floors on real data and the importance report."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

from loom.algorithms.registry import get_algorithm, validate_params
from loom.training.fitting import TrainingSpec, train

PNG_MAGIC = b"\x89PNG"
TREE_ENSEMBLES = [
    "random_forest_classifier",
    "extra_trees_classifier",
    "adaboost_classifier",
    "gradient_boosting_classifier",
    "lightgbm_classifier",
    "xgboost_classifier",
    "gbdt_lr",
]


def _frame(loader: object) -> pd.DataFrame:
    frame: pd.DataFrame = loader(as_frame=True).frame  # type: ignore[operator]
    return frame


def _cv(algorithm: str, frame: pd.DataFrame, seed: int) -> dict[str, float]:
    spec = TrainingSpec(
        algorithm=algorithm, params={}, target="target", seed=seed, cv_folds=5
    )
    return train(frame, spec).metrics


def test_extra_trees_classifier_reaches_wine_accuracy_floor(seed: int) -> None:
    assert _cv("extra_trees_classifier", _frame(load_wine), seed)["accuracy"] >= 0.95


@pytest.mark.parametrize(
    "algorithm", ["adaboost_classifier", "gradient_boosting_classifier"]
)
def test_boosted_classifiers_reach_breast_cancer_auc_floor(
    algorithm: str, seed: int
) -> None:
    assert _cv(algorithm, _frame(load_breast_cancer), seed)["roc_auc"] >= 0.98


@pytest.mark.parametrize(
    "algorithm",
    ["extra_trees_regressor", "adaboost_regressor", "gradient_boosting_regressor"],
)
def test_ensemble_regressors_reach_diabetes_r2_floor(algorithm: str, seed: int) -> None:
    assert _cv(algorithm, _frame(load_diabetes), seed)["r2"] >= 0.35


@pytest.mark.parametrize("algorithm", TREE_ENSEMBLES)
def test_tree_ensemble_report_ranks_encoded_features_with_a_chart(
    algorithm: str, seed: int
) -> None:
    frame = _frame(load_iris)
    # A string column shows up as one-hot `col=category` names in the report.
    frame["size"] = pd.cut(frame["petal length (cm)"], 3, labels=["s", "m", "l"])
    frame["size"] = frame["size"].astype(str)
    spec = TrainingSpec(algorithm=algorithm, params={}, target="target", seed=seed)
    outcome = train(frame, spec)
    json.dumps(outcome.details)
    rows = outcome.details["report"]["feature_importances"]
    names = [row["feature"] for row in rows]
    assert sorted(names) == sorted(outcome.bundle.encoder.feature_names_out)
    assert "size=m" in names
    values = [row["importance"] for row in rows]
    assert values == sorted(values, reverse=True)
    assert sum(values) == pytest.approx(1.0, abs=1e-6)
    # Petal size (measured or binned) separates the species; sepals do not.
    assert not names[0].startswith("sepal")
    assert outcome.plots["feature_importances.png"].startswith(PNG_MAGIC)


@pytest.mark.parametrize("algorithm", ["lightgbm_classifier", "xgboost_classifier"])
def test_booster_report_gives_gain_and_split_importances(
    algorithm: str, seed: int
) -> None:
    X, y = load_wine(return_X_y=True)
    names = [f"x{i}" for i in range(X.shape[1])]
    spec = get_algorithm(algorithm)
    estimator = spec.build(validate_params(algorithm, {}), seed).fit(X, y)
    report, plots = spec.report(estimator, X, y, names)
    assert report["importance_kinds"] == ["gain", "split"]
    assert len(report["feature_importances_split"]) == len(names)
    assert set(plots) == {
        "feature_importances.png",
        "feature_importances_split.png",
    }
