"""Curve data the run page draws: ROC, precision-recall, calibration, residuals.

Same conventions as ``evaluation``: ``y`` holds class codes ``0..K-1`` and
``proba`` the matching ``(n, K)`` probabilities. Curves are drawn for the
positive (second) class when binary and one-vs-rest for every class otherwise;
every number is a plain float or int and every list holds at most
``MAX_CURVE_POINTS`` points, so a run's details stay small JSON.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from loom.core.errors import InvalidInputError

MAX_CURVE_POINTS = 200
MAX_RESIDUAL_POINTS = 1000
# Fewer distinct probabilities than this (e.g. a tree with few leaves) would make
# quantile bins collapse onto the same edges; equal-width bins are used instead.
QUANTILE_MIN_DISTINCT = 10
_DECIMALS = 5


def _thin(values: np.ndarray, limit: int) -> np.ndarray:
    """Indexes of at most ``limit`` evenly spaced points, keeping both ends."""
    if len(values) <= limit:
        return np.arange(len(values))
    return np.unique(np.linspace(0, len(values) - 1, limit).round().astype(int))


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), _DECIMALS) for v in values]


def _curve_classes(proba: np.ndarray) -> list[int]:
    """The positive class when binary, else every class (one-vs-rest)."""
    return [1] if proba.shape[1] == 2 else list(range(proba.shape[1]))


def roc_points(
    y: np.ndarray, proba: np.ndarray, labels: list[Any]
) -> list[dict[str, Any]]:
    """ROC curves for the UI: the positive class when binary, else one per class.

    Returns:
        ``[{"label", "fpr": [...], "tpr": [...], "auc"}]``; classes absent from
        ``y`` (no positives), or the only class present, are skipped.
    """
    from sklearn import metrics

    curves = []
    for k in _curve_classes(proba):
        positive = y == k
        if positive.all() or not positive.any():
            continue
        fpr, tpr, _ = metrics.roc_curve(positive, proba[:, k])
        keep = _thin(fpr, MAX_CURVE_POINTS)
        curves.append(
            {
                "label": str(labels[k]),
                "fpr": _rounded(fpr[keep]),
                "tpr": _rounded(tpr[keep]),
                "auc": float(metrics.auc(fpr, tpr)),
            }
        )
    return curves


def pr_points(
    y: np.ndarray, proba: np.ndarray, labels: list[Any]
) -> list[dict[str, Any]]:
    """Precision-recall curves: the positive class when binary, else one per class.

    PR curves complement ROC on imbalanced data: a rare class can have a high AUC
    while most of the rows flagged as that class are wrong, which precision shows.

    Returns:
        ``[{"label", "precision": [...], "recall": [...], "average_precision"}]``
        (recall decreasing, as sklearn returns it); classes with no positive row
        in ``y`` are skipped, since recall is undefined for them.
    """
    from sklearn import metrics

    curves = []
    for k in _curve_classes(proba):
        positive = y == k
        if not positive.any():
            continue
        precision, recall, _ = metrics.precision_recall_curve(positive, proba[:, k])
        keep = _thin(precision, MAX_CURVE_POINTS)
        curves.append(
            {
                "label": str(labels[k]),
                "precision": _rounded(precision[keep]),
                "recall": _rounded(recall[keep]),
                "average_precision": float(
                    metrics.average_precision_score(positive, proba[:, k])
                ),
            }
        )
    return curves


def calibration_points(
    y: np.ndarray, proba: np.ndarray, labels: list[Any], n_bins: int = 10
) -> list[dict[str, Any]]:
    """Reliability curves: does a predicted 0.8 come true 80% of the time?

    Uses sklearn's ``calibration_curve``. Bins hold equal numbers of rows
    ("quantile") when the class's column has at least ``QUANTILE_MIN_DISTINCT``
    distinct probabilities, so every point rests on enough rows even when most
    predictions sit near 0 or 1; otherwise equal-width ("uniform") bins, since
    quantile edges would coincide. Empty bins are dropped.

    Returns:
        ``[{"label", "mean_predicted": [...], "fraction_positive": [...],
        "brier"}]`` where ``brier`` is the one-vs-rest Brier score of that class
        (mean squared gap between its probability and the 0/1 outcome); classes
        with no positive row in ``y`` are skipped.

    Raises:
        InvalidInputError: ``n_bins`` is outside ``2..MAX_CURVE_POINTS``.
    """
    from sklearn.calibration import calibration_curve

    if not 2 <= n_bins <= MAX_CURVE_POINTS:
        raise InvalidInputError(
            f"n_bins must be between 2 and {MAX_CURVE_POINTS}; got {n_bins}"
        )
    curves = []
    for k in _curve_classes(proba):
        positive = (y == k).astype(np.int64)
        if not positive.any():
            continue
        # Some estimators' probabilities overshoot [0, 1] by a rounding error,
        # which calibration_curve rejects.
        scores = np.clip(proba[:, k], 0.0, 1.0)
        many = len(np.unique(scores)) >= QUANTILE_MIN_DISTINCT
        fraction, mean_predicted = calibration_curve(
            positive,
            scores,
            pos_label=1,
            n_bins=n_bins,
            strategy="quantile" if many else "uniform",
        )
        curves.append(
            {
                "label": str(labels[k]),
                "mean_predicted": _rounded(mean_predicted),
                "fraction_positive": _rounded(fraction),
                "brier": float(np.mean((scores - positive) ** 2)),
            }
        )
    return curves


def confusion(
    y: np.ndarray, proba: np.ndarray, predicted: np.ndarray | None = None
) -> list[list[int]]:
    """Confusion matrix, rows = true class, columns = predicted class.

    Args:
        y: true class codes.
        proba: ``(n, K)`` probabilities; their argmax is the decision unless
            ``predicted`` is given.
        predicted: class codes actually decided (e.g. after a tuned threshold).
    """
    from sklearn import metrics

    labels = np.arange(proba.shape[1])
    decided = proba.argmax(axis=1) if predicted is None else predicted
    matrix = metrics.confusion_matrix(y, decided, labels=labels)
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
