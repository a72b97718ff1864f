"""Metric conventions (binary vs macro), undefined metrics, and curve data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.metrics import f1_score

from loom.training import evaluation


def test_binary_scores_are_for_the_second_label() -> None:
    y = np.array([0, 0, 1, 1, 1])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]])
    metrics = evaluation.classification_metrics(y, proba)
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["f1"] == pytest.approx(f1_score(y, proba.argmax(axis=1)))


def test_multiclass_scores_are_macro_averages() -> None:
    y = np.array([0, 1, 2, 2])
    proba = np.eye(3)[[0, 2, 2, 2]]
    metrics = evaluation.classification_metrics(y, proba)
    assert metrics["recall"] == pytest.approx((1 + 0 + 1) / 3)
    assert metrics["accuracy"] == pytest.approx(0.75)


def test_roc_auc_is_left_out_when_a_class_is_absent() -> None:
    y = np.array([0, 0, 1, 1])
    proba = np.full((4, 3), 1 / 3)
    assert "roc_auc" not in evaluation.classification_metrics(y, proba)


def test_clustering_metrics_need_two_clusters(seed: int) -> None:
    X = load_iris().data
    assert evaluation.clustering_metrics(X, np.zeros(len(X), dtype=int), seed) == {
        "n_clusters": 1.0
    }


def test_roc_points_are_thinned_and_residuals_sampled(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 5000)
    scores = rng.random(5000)
    curves = evaluation.roc_points(y, np.column_stack([1 - scores, scores]), [0, 1])
    assert len(curves) == 1 and curves[0]["label"] == "1"
    assert len(curves[0]["fpr"]) <= evaluation.MAX_CURVE_POINTS
    assert curves[0]["fpr"][0] == 0.0 and curves[0]["tpr"][-1] == 1.0
    residuals = evaluation.residual_points(scores, scores * 0.5, seed)
    assert len(residuals["fitted"]) == evaluation.MAX_RESIDUAL_POINTS
    assert residuals == evaluation.residual_points(scores, scores * 0.5, seed)
