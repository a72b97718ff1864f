"""mlp_classifier / mlp_regressor through Loom's training flows, on real data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.model_selection import train_test_split

from loom.algorithms.registry import get_algorithm, validate_params
from loom.training.fitting import TrainingSpec, train


def _frame(loader: object) -> pd.DataFrame:
    return loader(as_frame=True).frame  # type: ignore[operator]


def test_mlp_classifier_breast_cancer_auc_through_train(seed: int) -> None:
    spec = TrainingSpec(
        algorithm="mlp_classifier",
        params={"epochs": 30, "early_stopping": True, "patience": 8},
        target="target",
        seed=seed,
    )
    outcome = train(_frame(load_breast_cancer), spec)
    assert outcome.metrics["roc_auc"] >= 0.98
    report = outcome.details["report"]
    json.dumps(report)
    assert report["best_epoch"] is not None
    assert report["epochs_run"] == len(report["history"])
    assert {"train_loss", "val_loss", "val_accuracy", "lr", "seconds"} <= set(
        report["history"][0]
    )
    first = report["summary"]["layers"][0]
    assert first == {
        "layer": "0",
        "type": "Linear",
        "output_shape": [64],
        "parameters": 30 * 64 + 64,
    }


def test_mlp_regressor_diabetes_r2_through_train(seed: int) -> None:
    spec = TrainingSpec(
        algorithm="mlp_regressor", params={}, target="target", seed=seed
    )
    outcome = train(_frame(load_diabetes), spec)
    assert outcome.metrics["r2"] >= 0.4


def test_mlp_regressor_quantile_loss_puts_tau_of_targets_below(seed: int) -> None:
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=seed
    )
    algorithm = get_algorithm("mlp_regressor")
    # Early stopping on the validation pinball loss keeps the quantile honest
    # out of sample (an overfitted network undercovers held-out rows).
    params = validate_params(
        "mlp_regressor",
        {
            "loss": "quantile",
            "quantile": 0.9,
            "epochs": 200,
            "early_stopping": True,
            "patience": 15,
            "validation_fraction": 0.2,
        },
    )
    estimator = algorithm.build(params, seed).fit(X_train, y_train)
    below = float(np.mean(y_test <= estimator.predict(X_test)))
    assert below == pytest.approx(0.9, abs=0.07)


@pytest.mark.parametrize(
    "params",
    [
        {"activation": "maxout", "maxout_pieces": 3, "normalization": "layer"},
        {"activation": "prelu", "normalization": "batch", "dropout": 0.2},
        {"loss": "hinge", "optimizer": "sgd", "nesterov": True, "learning_rate": 0.05},
        {"activation": "tanh", "l1": 1e-4, "weight_decay": 1e-3, "grad_clip": 1.0},
    ],
    ids=["maxout-layernorm", "prelu-batchnorm", "hinge-sgd", "tanh-penalties"],
)
def test_mlp_classifier_variants_learn_iris(params: dict, seed: int) -> None:
    X, y = load_iris(return_X_y=True)
    algorithm = get_algorithm("mlp_classifier")
    estimator = algorithm.build(
        validate_params("mlp_classifier", {"epochs": 40, **params}), seed
    ).fit(X, y)
    assert np.mean(estimator.predict(X) == y) >= 0.9
    np.testing.assert_allclose(estimator.predict_proba(X).sum(axis=1), 1.0)


def test_mlp_standardises_inputs_itself(seed: int) -> None:
    X, y = load_breast_cancer(return_X_y=True)
    algorithm = get_algorithm("mlp_classifier")
    params = validate_params("mlp_classifier", {"epochs": 5})
    raw = algorithm.build(params, seed).fit(X, y)
    scaled = algorithm.build(params, seed).fit(X * 1000.0, y)
    np.testing.assert_allclose(
        raw.predict_proba(X), scaled.predict_proba(X * 1000.0), atol=1e-5
    )


def test_mlp_saves_weights_without_pickle_and_reloads(
    seed: int, tmp_path: Path
) -> None:
    X, y = load_diabetes(return_X_y=True)
    algorithm = get_algorithm("mlp_regressor")
    params = validate_params("mlp_regressor", {"loss": "huber", "epochs": 5})
    estimator = algorithm.build(params, seed).fit(X, y)
    algorithm.save_estimator(estimator, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neural.json", "weights.pt"]
    loaded = algorithm.load_estimator(tmp_path)
    np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))
    assert loaded.report()["epochs_run"] == 5
