"""SVM classifier and SVR: accuracy floors on real data, scaling and probabilities."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)

from loom.algorithms.registry import get_algorithm, validate_params

CV = StratifiedKFold(5, shuffle=True, random_state=0)


def _svm(name: str, **params: Any) -> Any:
    return get_algorithm(name).build(validate_params(name, params), 42)


def test_svm_classifier_rbf_reaches_auc_floor_on_breast_cancer() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    auc = cross_val_score(_svm("svm_classifier"), X, y, cv=CV, scoring="roc_auc")
    assert auc.mean() >= 0.98


def test_svm_classifier_reaches_accuracy_floor_on_digits() -> None:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    model = _svm("svm_classifier").fit(X_train, y_train)
    assert (model.predict(X_test) == y_test).mean() >= 0.95


@pytest.mark.parametrize(
    "params",
    [
        {"multiclass": "ovr"},
        {"probability": "isotonic"},
        {"kernel": "linear"},
        {"kernel": "poly", "degree": 2, "coef0": 1.0},
        {"gamma": "value", "gamma_value": 0.2, "class_weight": "balanced"},
    ],
    ids=str,
)
def test_svm_classifier_variants_classify_iris_with_probabilities(
    params: dict[str, Any],
) -> None:
    X, y = load_iris(return_X_y=True)
    assert cross_val_score(_svm("svm_classifier", **params), X, y, cv=CV).mean() >= 0.9
    proba = _svm("svm_classifier", **params).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_svm_classifier_scaling_matters_on_unscaled_breast_cancer() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    scaled = cross_val_score(_svm("svm_classifier"), X, y, cv=CV).mean()
    raw = cross_val_score(_svm("svm_classifier", scale=False), X, y, cv=CV).mean()
    assert scaled > raw + 0.03


def test_svr_beats_the_mean_on_diabetes() -> None:
    X, y = load_diabetes(return_X_y=True)
    cv = KFold(5, shuffle=True, random_state=0)
    r2 = cross_val_score(_svm("svr"), X, y, cv=cv, scoring="r2").mean()
    assert r2 >= 0.4
    linear = _svm("svr", kernel="linear", epsilon=0.5)
    assert cross_val_score(linear, X, y, cv=cv, scoring="r2").mean() >= 0.4
