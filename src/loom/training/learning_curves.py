"""Bias/variance diagnostics: training-row scores, learning and validation curves.

A learning curve refits the model on growing shares of each fold's training
rows: train and test scores that meet low mean high bias (more data will not
help); a persistent gap means high variance (more data or regularisation will).
A validation curve does the same across values of one parameter. Both reuse
``fit_pipeline`` so each point sees the same steps as the stored model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from loom.training import splits
from loom.training.pipeline import (
    Context,
    Fitted,
    fit_pipeline,
    headline,
    metrics,
    score,
)

CURVE_FOLDS = 3
LEARNING_SHARES = (0.1, 0.25, 0.5, 0.75, 1.0)
TRAIN_METRIC_ROWS = 20_000


def train_metrics(
    ctx: Context,
    fitted: Fitted,
    frame: pd.DataFrame,
    y: np.ndarray,
    positions: np.ndarray | None = None,
) -> dict[str, float]:
    """The stored model's metrics on (up to 20,000 of) the rows it was fitted on.

    ``y`` holds those rows' targets; ``positions`` says where they sit in
    ``frame`` (None: ``frame`` is exactly those rows).
    """
    rows = np.arange(len(y))
    if len(rows) > TRAIN_METRIC_ROWS:
        rng = np.random.default_rng(ctx.spec.seed)
        rows = np.sort(rng.choice(len(rows), TRAIN_METRIC_ROWS, replace=False))
    where = rows if positions is None else positions[rows]
    scores = score(ctx, fitted, frame.iloc[where])
    return metrics(ctx, y[rows], scores, fitted.threshold)


def _fold_scores(
    ctx: Context,
    frame: pd.DataFrame,
    y: np.ndarray,
    fit: Callable[[pd.DataFrame, np.ndarray], Fitted],
    subset: Callable[[np.ndarray], np.ndarray],
) -> tuple[list[float], list[float]]:
    """Headline metric on train and test rows of each inner fold."""
    name = headline(ctx.task)
    train_scores, test_scores = [], []
    for train_idx, test_idx in splits.kfold(ctx, frame, y, CURVE_FOLDS, seed_offset=2):
        chosen = subset(train_idx)
        part = frame.iloc[chosen].reset_index(drop=True)
        fitted = fit(part, y[chosen])
        train_scores.append(metrics(ctx, y[chosen], score(ctx, fitted, part))[name])
        test = score(ctx, fitted, frame.iloc[test_idx])
        test_scores.append(metrics(ctx, y[test_idx], test)[name])
    return train_scores, test_scores


def _summary(
    train_scores: list[list[float]], test_scores: list[list[float]]
) -> dict[str, list[float]]:
    return {
        "train_mean": [float(np.mean(s)) for s in train_scores],
        "train_std": [float(np.std(s)) for s in train_scores],
        "test_mean": [float(np.mean(s)) for s in test_scores],
        "test_std": [float(np.std(s)) for s in test_scores],
    }


def learning_curve(ctx: Context, frame: pd.DataFrame, y: np.ndarray) -> dict[str, Any]:
    """Scores at 10 %…100 % of each fold's training rows (3 folds)."""
    ctx.log(f"learning curve: {len(LEARNING_SHARES)} sizes x {CURVE_FOLDS} folds")
    rng = np.random.default_rng(ctx.spec.seed)
    sizes: list[int] = []
    trains, tests = [], []
    for share in LEARNING_SHARES:

        def subset(idx: np.ndarray, share: float = share) -> np.ndarray:
            count = max(2, round(share * len(idx)))
            return np.sort(rng.permutation(idx)[:count])

        train_s, test_s = _fold_scores(
            ctx,
            frame,
            y,
            lambda part, target: fit_pipeline(ctx, part, target, quiet=True),
            subset,
        )
        sizes.append(round(share * len(y) * (CURVE_FOLDS - 1) / CURVE_FOLDS))
        trains.append(train_s)
        tests.append(test_s)
    return {
        "metric": headline(ctx.task),
        "train_sizes": sizes,
        **_summary(trains, tests),
    }


def validation_curve(
    ctx: Context, frame: pd.DataFrame, y: np.ndarray
) -> dict[str, Any]:
    """Scores across the values of one parameter (3 folds)."""
    from loom.algorithms.registry import validate_params

    curve = ctx.spec.options.validation_curve
    assert curve is not None
    ctx.log(
        f"validation curve: {curve.param} over {len(curve.values)} values x "
        f"{CURVE_FOLDS} folds"
    )
    base = ctx.params.model_dump()
    trains, tests = [], []
    for value in curve.values:
        params = validate_params(ctx.algorithm.name, {**base, curve.param: value})
        train_s, test_s = _fold_scores(
            ctx,
            frame,
            y,
            lambda part, target, p=params: fit_pipeline(
                ctx, part, target, params=p, quiet=True
            ),
            lambda idx: idx,
        )
        trains.append(train_s)
        tests.append(test_s)
    return {
        "param": curve.param,
        "values": list(curve.values),
        "metric": headline(ctx.task),
        **_summary(trains, tests),
    }
