"""Metrics per task, plus the curve data (ROC, residuals) the UI draws.

Classification conventions: ``y`` holds class codes ``0..K-1`` (indexes into the
bundle's sorted labels) and ``proba`` the matching ``(n, K)`` probabilities.
With two classes, precision/recall/f1 are *binary* scores for the second label
in sorted order (the "positive" class: 1 over 0, True over False, "yes" over
"no"); with more, they are *macro* averages, so every class counts equally
whatever its size. roc_auc is binary, or one-vs-rest macro for multiclass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_CURVE_POINTS = 200
MAX_RESIDUAL_POINTS = 1000
SILHOUETTE_SAMPLE = 5000
NOISE_CLUSTER = -1


def classification_metrics(y: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """accuracy, precision, recall, f1, roc_auc (when defined) and log_loss."""
    from sklearn import metrics

    n_classes = proba.shape[1]
    predicted = proba.argmax(axis=1)
    average = "binary" if n_classes == 2 else "macro"
    labels = np.arange(n_classes)
    out = {
        "accuracy": metrics.accuracy_score(y, predicted),
        "precision": metrics.precision_score(
            y, predicted, labels=labels, average=average, zero_division=0
        ),
        "recall": metrics.recall_score(
            y, predicted, labels=labels, average=average, zero_division=0
        ),
        "f1": metrics.f1_score(
            y, predicted, labels=labels, average=average, zero_division=0
        ),
        "log_loss": metrics.log_loss(y, np.clip(proba, 1e-15, 1.0), labels=labels),
    }
    # AUC is undefined when the evaluated rows miss a class; leave it out then.
    if len(np.unique(y)) == n_classes:
        if n_classes == 2:
            out["roc_auc"] = metrics.roc_auc_score(y, proba[:, 1])
        else:
            out["roc_auc"] = metrics.roc_auc_score(
                y, proba, multi_class="ovr", average="macro", labels=labels
            )
    return {name: float(value) for name, value in out.items()}


def regression_metrics(y: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """rmse, mae and r2."""
    from sklearn import metrics

    return {
        "rmse": float(np.sqrt(metrics.mean_squared_error(y, predicted))),
        "mae": float(metrics.mean_absolute_error(y, predicted)),
        "r2": float(metrics.r2_score(y, predicted)),
    }


def clustering_metrics(
    X: np.ndarray, clusters: np.ndarray, seed: int
) -> dict[str, float]:
    """Internal scores: how compact and separated the clusters are.

    Noise (cluster -1, from DBSCAN) is not a cluster: ``n_clusters`` excludes it,
    ``noise_fraction`` reports its share, and silhouette (on ≤ 5,000 sampled
    rows), davies_bouldin and calinski_harabasz are computed on the non-noise
    rows only. They need at least two clusters and fewer clusters than those
    rows; otherwise they are left out (see ``clustering_notes``).
    """
    from sklearn import metrics

    noise = clusters == NOISE_CLUSTER
    kept_X, kept = X[~noise], clusters[~noise]
    found = len(np.unique(kept))
    out = {"n_clusters": float(found)}
    if noise.any():
        out["noise_fraction"] = float(noise.mean())
    if 2 <= found < len(kept_X):
        sample = min(SILHOUETTE_SAMPLE, len(kept_X))
        out["silhouette"] = float(
            metrics.silhouette_score(
                kept_X, kept, sample_size=sample, random_state=seed
            )
        )
        out["davies_bouldin"] = float(metrics.davies_bouldin_score(kept_X, kept))
        out["calinski_harabasz"] = float(metrics.calinski_harabasz_score(kept_X, kept))
    return out


def clustering_agreement(truth: np.ndarray, clusters: np.ndarray) -> dict[str, float]:
    """Agreement of clusters with known labels (any hashable codes, one per row).

    adjusted_rand (ARI) counts pairs of rows put together or apart by both,
    corrected for chance (about 0 for random clusters, 1 for identical ones);
    normalized_mutual_info (NMI) is the shared information, scaled to [0, 1].
    Both ignore how clusters are numbered. Noise (-1) counts as one more group:
    it is an assignment the model made.
    """
    from sklearn import metrics

    return {
        "adjusted_rand": float(metrics.adjusted_rand_score(truth, clusters)),
        "normalized_mutual_info": float(
            metrics.normalized_mutual_info_score(truth, clusters)
        ),
    }


def clustering_notes(metrics: dict[str, float]) -> list[str]:
    """Why internal scores are missing from ``clustering_metrics``' output."""
    if "silhouette" in metrics:
        return []
    noise = " non-noise" if "noise_fraction" in metrics else ""
    return [
        f"silhouette, davies_bouldin and calinski_harabasz need at least 2 clusters "
        f"and fewer clusters than{noise} rows; found {int(metrics['n_clusters'])}"
    ]


def _thin(values: np.ndarray, limit: int) -> np.ndarray:
    """Indexes of at most ``limit`` evenly spaced points, keeping both ends."""
    if len(values) <= limit:
        return np.arange(len(values))
    return np.unique(np.linspace(0, len(values) - 1, limit).round().astype(int))


def roc_points(
    y: np.ndarray, proba: np.ndarray, labels: list[Any]
) -> list[dict[str, Any]]:
    """ROC curves for the UI: the positive class when binary, else one per class.

    Returns:
        ``[{"label", "fpr": [...], "tpr": [...], "auc"}]``; classes absent from
        ``y`` (no positives) are skipped.
    """
    from sklearn import metrics

    classes = [1] if proba.shape[1] == 2 else list(range(proba.shape[1]))
    curves = []
    for k in classes:
        positive = y == k
        if positive.all() or not positive.any():
            continue
        fpr, tpr, _ = metrics.roc_curve(positive, proba[:, k])
        keep = _thin(fpr, MAX_CURVE_POINTS)
        curves.append(
            {
                "label": str(labels[k]),
                "fpr": [round(float(v), 5) for v in fpr[keep]],
                "tpr": [round(float(v), 5) for v in tpr[keep]],
                "auc": float(metrics.auc(fpr, tpr)),
            }
        )
    return curves


def confusion(y: np.ndarray, proba: np.ndarray) -> list[list[int]]:
    """Confusion matrix, rows = true class, columns = predicted class."""
    from sklearn import metrics

    labels = np.arange(proba.shape[1])
    matrix = metrics.confusion_matrix(y, proba.argmax(axis=1), labels=labels)
    return [[int(v) for v in row] for row in matrix]


def residual_points(
    y: np.ndarray, predicted: np.ndarray, seed: int
) -> dict[str, list[float]]:
    """Up to 1,000 (fitted, residual) pairs sampled with ``seed``, for a scatter."""
    index = np.arange(len(y))
    if len(y) > MAX_RESIDUAL_POINTS:
        rng = np.random.default_rng(seed)
        index = np.sort(rng.choice(len(y), MAX_RESIDUAL_POINTS, replace=False))
    return {
        "fitted": [float(v) for v in predicted[index]],
        "residual": [float(v) for v in (y - predicted)[index]],
    }
