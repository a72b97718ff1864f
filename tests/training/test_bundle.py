"""ModelBundle: save/load round trip, and record scoring equal to frame scoring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loom.core.errors import InvalidInputError
from loom.training.bundle import ModelBundle
from loom.training.fitting import TrainingSpec, train


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))


@pytest.mark.parametrize(
    "algorithm",
    ["random_forest_classifier", "lightgbm_classifier", "logistic_regression"],
)
def test_bundle_round_trip_classifier(
    iris_df: pd.DataFrame, seed: int, tmp_path: Path, algorithm: str
) -> None:
    bundle = train(iris_df, TrainingSpec(algorithm, {}, "species", seed=seed)).bundle
    bundle.save(tmp_path / "model")
    loaded = ModelBundle.load(tmp_path / "model")
    features = iris_df.drop(columns="species")
    online = loaded.predict_records(_records(features))
    offline_pred, offline_proba = loaded.predict_frame(iris_df)
    original_pred, original_proba = bundle.predict_frame(iris_df)
    assert online["predictions"] == offline_pred == original_pred
    assert set(online["predictions"]) == {"setosa", "versicolor", "virginica"}
    assert offline_proba is not None and original_proba is not None
    assert online["probabilities"] == offline_proba
    np.testing.assert_allclose(
        [list(p.values()) for p in offline_proba],
        [list(p.values()) for p in original_proba],
        atol=1e-12,
    )
    assert loaded.input_schema == bundle.input_schema
    json.dumps(online)


def test_bundle_round_trip_regression_with_strings_and_nulls(
    mixed_df: pd.DataFrame, seed: int, tmp_path: Path
) -> None:
    spec = TrainingSpec("lightgbm_regressor", {"n_estimators": 30}, "target", seed=seed)
    bundle = train(mixed_df, spec).bundle
    bundle.save(tmp_path)
    assert {"bundle.json", "booster.txt", "lightgbm_wrapper.json"} <= {
        p.name for p in tmp_path.iterdir()
    }
    loaded = ModelBundle.load(tmp_path)
    online = loaded.predict_records(_records(mixed_df.drop(columns="target")))
    offline, probabilities = loaded.predict_frame(mixed_df)
    assert probabilities is None and online["probabilities"] is None
    assert online["predictions"] == offline
    assert offline == bundle.predict_frame(mixed_df)[0]
    assert all(isinstance(v, float) for v in offline)


def test_bundle_round_trip_kmeans(
    iris_df: pd.DataFrame, seed: int, tmp_path: Path
) -> None:
    features = iris_df.drop(columns="species")
    bundle = train(
        features, TrainingSpec("kmeans", {"n_clusters": 3}, None, seed=seed)
    ).bundle
    bundle.save(tmp_path)
    loaded = ModelBundle.load(tmp_path)
    online = loaded.predict_records(_records(features))
    assert online["predictions"] == loaded.predict_frame(features)[0]
    assert set(online["predictions"]) == {0, 1, 2}


def test_bundle_json_is_self_describing(
    cancer_df: pd.DataFrame, seed: int, tmp_path: Path
) -> None:
    spec = TrainingSpec("logistic_regression", {}, "target", seed=seed)
    train(cancer_df, spec).bundle.save(tmp_path)
    meta = json.loads((tmp_path / "bundle.json").read_text())
    assert meta["algorithm"] == "logistic_regression"
    assert meta["task"] == "classification"
    assert meta["labels"] == [0, 1]
    assert [c["name"] for c in meta["input_schema"]] == list(cancer_df.columns[:-1])
    assert meta["params"]["penalty"] == "l2"


def test_bundle_probability_keys_are_label_strings(
    cancer_df: pd.DataFrame, seed: int
) -> None:
    spec = TrainingSpec("logistic_regression", {}, "target", seed=seed)
    bundle = train(cancer_df, spec).bundle
    out = bundle.predict_records(_records(cancer_df.drop(columns="target").head(3)))
    assert all(p in (0, 1) for p in out["predictions"])
    assert all(set(p) == {"0", "1"} for p in out["probabilities"])


def test_bundle_predict_records_rejects_bad_records(
    iris_df: pd.DataFrame, seed: int
) -> None:
    spec = TrainingSpec(
        "random_forest_classifier", {"n_estimators": 5}, "species", seed=seed
    )
    bundle = train(iris_df, spec).bundle
    with pytest.raises(
        InvalidInputError, match="record 0: missing column 'sepal_length'"
    ):
        bundle.predict_records([{"sepal_width": 1.0}])


def test_bundle_load_refuses_unknown_format(
    iris_df: pd.DataFrame, seed: int, tmp_path: Path
) -> None:
    spec = TrainingSpec(
        "random_forest_classifier", {"n_estimators": 5}, "species", seed=seed
    )
    train(iris_df, spec).bundle.save(tmp_path)
    meta = json.loads((tmp_path / "bundle.json").read_text())
    (tmp_path / "bundle.json").write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(ValueError, match="unsupported bundle format 99"):
        ModelBundle.load(tmp_path)


def test_bundle_load_scores_single_threaded(
    iris_df: pd.DataFrame, seed: int, tmp_path: Path
) -> None:
    spec = TrainingSpec(
        "random_forest_classifier", {"n_estimators": 5}, "species", seed=seed
    )
    train(iris_df, spec).bundle.save(tmp_path)
    assert ModelBundle.load(tmp_path).estimator.n_jobs == 1
