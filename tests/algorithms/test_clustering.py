"""Clustering: k-means' k scan, DBSCAN noise, mixtures and hierarchies on iris."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from loom.algorithms.registry import get_algorithm, validate_params
from loom.training.fitting import TrainingOutcome, TrainingSpec, train


def _iris() -> pd.DataFrame:
    frame: pd.DataFrame = load_iris(as_frame=True).frame
    frame["species"] = frame.pop("target").map(dict(enumerate("abc")))
    return frame


def _train(
    algorithm: str,
    params: dict[str, object],
    seed: int,
    target: str | None = None,
) -> TrainingOutcome:
    """Train on iris; without a target the species column is dropped."""
    frame = _iris() if target else _iris().drop(columns="species")
    spec = TrainingSpec(algorithm=algorithm, params=params, target=target, seed=seed)
    return train(frame, spec)


def test_gaussian_mixture_recovers_iris_species(seed: int) -> None:
    outcome = _train("gaussian_mixture", {"n_components": 3}, seed, target="species")
    assert outcome.metrics["adjusted_rand"] >= 0.7
    assert outcome.metrics["normalized_mutual_info"] >= 0.7
    assert outcome.details["report"]["converged"] is True


def test_clustering_target_is_not_a_feature_and_not_needed_to_serve(
    seed: int,
) -> None:
    outcome = _train("kmeans", {"n_clusters": 3}, seed, target="species")
    assert "species" not in outcome.bundle.features
    assert outcome.bundle.target is None
    assert outcome.details["scored_against"] == {"target": "species", "rows": 150}
    row = _iris().drop(columns="species").iloc[:2].to_dict(orient="records")
    served = outcome.bundle.predict_records(row)["predictions"]
    assert served == outcome.bundle.predict_frame(_iris().iloc[:2])[0]
    assert len(served) == 2
    without = _train("kmeans", {"n_clusters": 3}, seed)
    assert "adjusted_rand" not in without.metrics
    assert without.metrics["silhouette"] == outcome.metrics["silhouette"]


def test_clustering_metrics_include_calinski_harabasz(seed: int) -> None:
    metrics = _train("agglomerative", {"n_clusters": 3}, seed).metrics
    assert metrics["calinski_harabasz"] > 100
    assert {"silhouette", "davies_bouldin", "n_clusters"} <= set(metrics)


def test_kmeans_report_scans_k_with_elbow_and_silhouette(seed: int) -> None:
    outcome = _train("kmeans", {"n_clusters": 3}, seed)
    json.dumps(outcome.details)
    scan = outcome.details["report"]["k_scan"]
    assert scan["k"] == list(range(2, 11))
    assert all(
        a > b for a, b in zip(scan["inertia"], scan["inertia"][1:], strict=False)
    )
    # Iris is best separated into 2 clusters (setosa vs the rest).
    assert scan["k"][int(np.argmax(scan["silhouette"]))] == 2
    assert outcome.plots["k_scan.png"].startswith(b"\x89PNG")


def test_dbscan_scores_non_noise_rows_and_reports_noise(seed: int) -> None:
    outcome = _train("dbscan", {"eps": 0.5, "min_samples": 5}, seed, target="species")
    json.dumps(outcome.details)
    metrics = outcome.metrics
    assert metrics["n_clusters"] == 2  # setosa, and versicolor+virginica
    assert 0 < metrics["noise_fraction"] < 0.2
    assert metrics["silhouette"] > 0.5 and "adjusted_rand" in metrics
    assert outcome.details["cluster_sizes"]["-1"] == round(
        150 * metrics["noise_fraction"]
    )
    assert (
        outcome.details["report"]["n_noise"] == outcome.details["cluster_sizes"]["-1"]
    )


def test_dbscan_with_only_noise_leaves_internal_scores_out_with_a_note(
    seed: int,
) -> None:
    outcome = _train("dbscan", {"eps": 0.01, "min_samples": 5}, seed)
    assert outcome.metrics == {"n_clusters": 0.0, "noise_fraction": 1.0}
    assert "at least 2 clusters" in outcome.details["notes"][0]


def test_dbscan_predicts_nearest_core_cluster_within_eps_else_noise(seed: int) -> None:
    X = load_iris(return_X_y=True)[0]
    algorithm = get_algorithm("dbscan")
    model = algorithm.build(validate_params("dbscan", {}), seed).fit(X)
    cores = model.core_sample_indices_
    np.testing.assert_array_equal(model.predict(X[cores]), model.labels_[cores])
    far = X[:1] + 100.0
    assert model.predict(far).tolist() == [-1]
    nudged = X[cores[:1]] + 0.01
    assert model.predict(nudged).tolist() == [model.labels_[cores[0]]]


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
def test_agglomerative_predicts_the_nearest_centroid(linkage: str, seed: int) -> None:
    X = load_iris(return_X_y=True)[0]
    algorithm = get_algorithm("agglomerative")
    params = validate_params("agglomerative", {"n_clusters": 3, "linkage": linkage})
    model = algorithm.build(params, seed).fit(X)
    np.testing.assert_array_equal(model.predict(model.cluster_centers_), [0, 1, 2])
    report, _ = algorithm.report(model, X, None, [])
    assert sum(report["hierarchy_cluster_sizes"]) == 150
    if linkage == "ward":  # the centroid rule is ward's own criterion
        assert report["rows_reassigned_by_centroid_rule"] <= 15
