"""Threshold moving: pick a binary decision threshold on out-of-fold scores.

The threshold is a parameter fitted from data, so it must never be chosen on
the rows it is then graded on. For a model fitted on rows R, Loom chooses it on
out-of-fold probabilities over R (three inner folds by default); for k-fold
runs the stored model reuses the pooled outer out-of-fold scores, which are
exactly that. The chosen value is stored with the model and applied at serving.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loom.core.errors import InvalidInputError
from loom.training import splits
from loom.training.pipeline import Context, fit_pipeline, score

INNER_FOLDS = 3


def check_binary(ctx: Context) -> None:
    """Threshold moving is defined for two classes only."""
    if not ctx.binary:
        count = len(ctx.labels or [])
        raise InvalidInputError(
            f"option 'threshold' needs a binary target; '{ctx.spec.target}' has "
            f"{count} classes"
        )


def out_of_fold(ctx: Context, frame: pd.DataFrame, y: np.ndarray) -> np.ndarray:
    """Positive-class probabilities per row, each from a model not fitted on it."""
    oof = np.zeros(len(y))
    for train_idx, test_idx in splits.kfold(ctx, frame, y, INNER_FOLDS, seed_offset=1):
        part = frame.iloc[train_idx].reset_index(drop=True)
        fitted = fit_pipeline(ctx, part, y[train_idx], quiet=True)
        oof[test_idx] = score(ctx, fitted, frame.iloc[test_idx])[:, 1]
    return oof


def choose(ctx: Context, y: np.ndarray, p_positive: np.ndarray) -> Any:
    """The ``ThresholdChoice`` for the run's objective."""
    from loom.training.imbalance import choose_threshold

    options = ctx.spec.options
    assert options.threshold is not None
    return choose_threshold(y, p_positive, options.threshold, options.cost_ratio)


def tune(ctx: Context, frame: pd.DataFrame, y: np.ndarray) -> Any:
    """Choose the threshold for a model fitted on ``frame`` (inner CV)."""
    return choose(ctx, y, out_of_fold(ctx, frame, y))


def summary(
    ctx: Context, choice: Any, default_metrics: dict[str, float]
) -> dict[str, Any]:
    """The ``threshold`` block of a run's details."""
    options = ctx.spec.options
    return {
        "objective": options.threshold,
        "cost_ratio": options.cost_ratio,
        "value": float(choice.value),
        "score": float(choice.score),
        "chosen_on": "out_of_fold",
        "default_metrics": default_metrics,
        "curve": choice.curve,
    }
