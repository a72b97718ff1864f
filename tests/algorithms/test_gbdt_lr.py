"""GBDT+LR: floor on real data, the row split between the stages, storage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_wine

from loom.algorithms.registry import get_algorithm, validate_params
from loom.training.bundle import ModelBundle
from loom.training.fitting import TrainingSpec, train


def _breast_cancer() -> pd.DataFrame:
    frame: pd.DataFrame = load_breast_cancer(as_frame=True).frame
    return frame


def test_gbdt_lr_reaches_breast_cancer_auc_floor(seed: int) -> None:
    spec = TrainingSpec(
        algorithm="gbdt_lr", params={}, target="target", seed=seed, cv_folds=5
    )
    assert train(_breast_cancer(), spec).metrics["roc_auc"] >= 0.98


def test_gbdt_lr_fits_booster_and_lr_on_separate_rows_by_default(seed: int) -> None:
    X, y = load_wine(return_X_y=True)
    algorithm = get_algorithm("gbdt_lr")
    split = algorithm.build(validate_params("gbdt_lr", {}), seed).fit(X, y)
    shared = algorithm.build(validate_params("gbdt_lr", {"lr_fraction": 0}), seed)
    shared.fit(X, y)
    assert split.split_used_ and not shared.split_used_
    assert split.lr_.n_features_in_ == sum(len(c) for c in split.encoder_.categories_)
    assert list(split.classes_) == [0, 1, 2]
    proba = split.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == y).mean() >= 0.9


def test_gbdt_lr_report_and_bundle_round_trip(seed: int, tmp_path: Path) -> None:
    frame = _breast_cancer()
    spec = TrainingSpec(algorithm="gbdt_lr", params={}, target="target", seed=seed)
    outcome = train(frame, spec)
    report = outcome.details["report"]
    assert report["separate_rows"] is True
    assert report["n_trees"] == 50
    assert report["n_leaf_features"] > report["n_trees"]
    assert report["feature_importances"][0]["importance"] > 0
    outcome.bundle.save(tmp_path)
    loaded = ModelBundle.load(tmp_path)
    rows = frame.drop(columns="target").iloc[:20]
    predictions, probabilities = loaded.predict_frame(rows)
    assert (predictions, probabilities) == outcome.bundle.predict_frame(rows)
    assert probabilities is not None
    assert all(abs(sum(p.values()) - 1.0) < 1e-9 for p in probabilities)
