"""XGBoost adapters: floors on real data, pickle-free storage, missing values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes

from loom.algorithms.registry import get_algorithm, validate_params
from loom.training.bundle import ModelBundle
from loom.training.fitting import TrainingSpec, train


def _cv(algorithm: str, frame: pd.DataFrame, seed: int) -> dict[str, float]:
    spec = TrainingSpec(
        algorithm=algorithm, params={}, target="target", seed=seed, cv_folds=5
    )
    return train(frame, spec).metrics


def test_xgboost_classifier_reaches_breast_cancer_auc_floor(seed: int) -> None:
    metrics = _cv("xgboost_classifier", load_breast_cancer(as_frame=True).frame, seed)
    assert metrics["roc_auc"] >= 0.98


def test_xgboost_regressor_reaches_diabetes_r2_floor(seed: int) -> None:
    assert (
        _cv("xgboost_regressor", load_diabetes(as_frame=True).frame, seed)["r2"] >= 0.3
    )


def test_xgboost_saves_native_json_and_reloads_identically(
    seed: int, tmp_path: Path
) -> None:
    X, y = load_breast_cancer(return_X_y=True)
    algorithm = get_algorithm("xgboost_classifier")
    estimator = algorithm.build(validate_params(algorithm.name, {}), seed).fit(X, y)
    algorithm.save_estimator(estimator, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["xgboost_model.json"]
    json.loads((tmp_path / "xgboost_model.json").read_text())  # JSON, not pickle
    loaded = algorithm.load_estimator(tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), estimator.predict_proba(X))
    np.testing.assert_allclose(loaded.predict_proba(X).sum(axis=1), 1.0, rtol=1e-12)


def test_xgboost_bundle_serves_rows_with_missing_values(
    seed: int, tmp_path: Path
) -> None:
    frame = load_breast_cancer(as_frame=True).frame
    rng = np.random.default_rng(seed)
    holes = rng.random(frame.shape) < 0.1
    holes[:, -1] = False  # keep the target
    frame = frame.mask(holes)
    spec = TrainingSpec(algorithm="xgboost_classifier", params={}, target="target")
    outcome = train(frame, spec)
    assert outcome.metrics["roc_auc"] >= 0.95
    outcome.bundle.save(tmp_path)
    bundle = ModelBundle.load(tmp_path)
    row = frame.drop(columns="target").iloc[:3].astype(object)
    records = row.where(row.notna(), None).to_dict(orient="records")
    assert holes[:3].any()  # the served rows really have missing values
    result = bundle.predict_records(records)
    json.dumps(result, allow_nan=False)  # JSON-safe: no NaN leaks into the reply
    predictions, probabilities = bundle.predict_frame(frame.drop(columns="target")[:3])
    assert result == {"predictions": predictions, "probabilities": probabilities}
    assert probabilities is not None
    assert all(abs(sum(p.values()) - 1.0) < 1e-9 for p in probabilities)
