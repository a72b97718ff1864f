"""One fit of the tabular pipeline: encode, select/scale, rebalance, fit; and score.

Every evaluation scheme (holdout, k-fold, grouped k-fold, learning and
validation curves, threshold tuning) calls ``fit_pipeline`` on its training
rows and ``score`` on its evaluation rows, so each fold sees exactly the steps
the stored model applies, fitted on that fold's training rows only: no
statistic of the evaluation rows leaks into the model.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from loom.algorithms.base import Algorithm, Task
from loom.core.errors import InvalidInputError
from loom.training import evaluation
from loom.training.encoding import TabularEncoder
from loom.training.preprocess import FeatureTransform
from loom.training.spec import TrainingSpec


@dataclass
class Context:
    """The resolved pieces of one training call, passed between the steps."""

    algorithm: Algorithm
    params: BaseModel
    spec: TrainingSpec
    features: list[str]
    log: Callable[[str], None]
    labels: list[Any] | None = None
    fit_seconds: float = field(default=0.0)
    # Live-training hooks for the stored model's fit only (see ``fit_pipeline``).
    on_epoch: Callable[[int, dict[str, float]], None] | None = None
    should_stop: Callable[[], bool] | None = None

    @property
    def task(self) -> Task:
        return self.algorithm.task

    @property
    def binary(self) -> bool:
        return self.labels is not None and len(self.labels) == 2


@dataclass
class Fitted:
    """A fitted encoder, optional feature transform and estimator."""

    encoder: TabularEncoder
    transform: FeatureTransform | None
    estimator: Any
    threshold: float | None = None
    # The matrix the estimator was fitted on, kept only until the model report
    # has read it, so a big table is not encoded twice.
    fitted_matrix: np.ndarray | None = field(default=None, repr=False)
    # The training rows' targets after resampling (None: not resampled), so
    # the run reports the class counts the estimator really saw.
    resampled_y: np.ndarray | None = field(default=None, repr=False)

    @property
    def feature_names(self) -> list[str]:
        """The columns the estimator saw."""
        if self.transform is not None:
            return self.transform.names_out
        return self.encoder.feature_names_out

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The estimator's input for raw rows."""
        X = self.encoder.transform_frame(frame)
        return self.transform.apply(X) if self.transform is not None else X


def fit_pipeline(
    ctx: Context,
    frame: pd.DataFrame,
    y: np.ndarray | None,
    *,
    params: BaseModel | None = None,
    quiet: bool = False,
    live: bool = False,
    rows: np.ndarray | None = None,
) -> Fitted:
    """Fit every step on ``frame``; library warnings become log lines.

    Args:
        params: parameters overriding ``ctx.params`` (validation curves).
        quiet: log nothing (inner fits of curves and threshold tuning).
        rows: fit on these positions of ``frame`` only (no copy of the table).
        live: this fit makes the stored model, so the caller's per-epoch and
            stop hooks apply; inner folds stay silent so the run's epoch
            stream describes one model, and a stop never cuts a fold short.
    """
    log = (lambda _line: None) if quiet else ctx.log
    options = ctx.spec.options
    encoder = TabularEncoder(impute=not ctx.algorithm.handles_missing)
    encoder.fit(frame, ctx.features, rows)
    X = encoder.transform_frame(frame, rows)
    transform = FeatureTransform.fit(
        X,
        y,
        encoder.feature_names_out,
        task=str(ctx.task),
        options=options,
        seed=ctx.spec.seed,
        log=log,
    )
    if transform is not None:
        X = transform.apply(X)
    estimator = ctx.algorithm.build(params or ctx.params, ctx.spec.seed)
    names = transform.names_out if transform is not None else encoder.feature_names_out
    fit_kwargs: dict[str, Any] = {}
    resampled = False
    if y is not None and ctx.task == Task.CLASSIFICATION:
        X, y, fit_kwargs, resampled = _rebalance(ctx, estimator, X, y, names, log)
    ctx.algorithm.bind_features(estimator, names)
    if ctx.labels is not None:
        ctx.algorithm.bind_labels(estimator, [str(label) for label in ctx.labels])
    if live:
        attach_hooks(estimator, ctx.on_epoch, ctx.should_stop)
    started = time.perf_counter()
    with warnings_logged(log):
        try:
            if y is None:
                estimator.fit(X)
            else:
                estimator.fit(X, y, **fit_kwargs)
        except InvalidInputError as exc:
            # Estimators see bare arrays; put the user's column name back.
            named = f"target column '{ctx.spec.target}'"
            raise InvalidInputError(
                str(exc).replace("the target column", named)
            ) from None
    ctx.fit_seconds += time.perf_counter() - started
    fitted = Fitted(encoder, transform, estimator)
    if resampled:
        fitted.resampled_y = y
    elif not quiet:  # the rows themselves, reusable by the model report
        fitted.fitted_matrix = X
    return fitted


def attach_hooks(
    estimator: Any,
    on_epoch: Callable[[int, dict[str, float]], None] | None,
    should_stop: Callable[[], bool] | None,
) -> None:
    """Hand the caller's hooks to an estimator that trains in epochs.

    Duck-typed on the attributes, so any algorithm whose estimator exposes
    ``on_epoch``/``should_stop`` streams epochs without ``Algorithm`` knowing.
    """
    if on_epoch is not None and hasattr(estimator, "on_epoch"):
        estimator.on_epoch = on_epoch
    if should_stop is not None and hasattr(estimator, "should_stop"):
        estimator.should_stop = should_stop


@contextmanager
def warnings_logged(log: Callable[[str], None]) -> Iterator[None]:
    """Record the warnings raised inside; log each distinct one once afterwards.

    A fit's library warnings belong in the run's log, not on stderr; repeats
    (one per iteration, say) collapse to a single line.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for message in dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught):
        log(f"warning: {message}")


def _rebalance(
    ctx: Context,
    estimator: Any,
    X: np.ndarray,
    y: np.ndarray,
    names: list[str],
    log: Callable[[str], None],
) -> tuple[np.ndarray, np.ndarray, dict[str, Any], bool]:
    """Resample the training rows and/or weight classes, as the options ask.

    Returns:
        ``(X, y, fit_kwargs, resampled)``; the weights are routed to the
        estimator's own ``fit`` (or its last Pipeline step's).
    """
    from loom.training import imbalance

    options = ctx.spec.options
    if options.resampling is not None:
        before = len(y)
        X, y = imbalance.resample(
            X, y, options.resampling, ctx.spec.seed, feature_names=names
        )
        log(f"resampling '{options.resampling}': {before} → {len(y)} training rows")
    kwargs: dict[str, Any] = {}
    if options.class_weight == "balanced":
        kwargs = imbalance.sample_weight_fit_params(
            estimator, imbalance.balanced_sample_weight(y)
        )
    return X, y, kwargs, options.resampling is not None


def score(ctx: Context, fitted: Fitted, frame: pd.DataFrame) -> np.ndarray:
    """Class probabilities ``(n, K)`` over ALL classes, or regression predictions."""
    X = fitted.matrix(frame)
    if ctx.task != Task.CLASSIFICATION:
        return np.ravel(fitted.estimator.predict(X)).astype(np.float64)
    assert ctx.labels is not None
    proba = np.zeros((len(X), len(ctx.labels)))
    # A class missing from a training split has no column; it gets probability 0.
    classes = np.asarray(fitted.estimator.classes_, dtype=np.int64)
    proba[:, classes] = fitted.estimator.predict_proba(X)
    return proba


def decisions(scores: np.ndarray, threshold: float | None) -> np.ndarray | None:
    """Class codes under a tuned binary threshold (None: argmax decides)."""
    if threshold is None:
        return None
    return (scores[:, 1] >= threshold).astype(np.int64)


def metrics(
    ctx: Context, y: np.ndarray, scores: np.ndarray, threshold: float | None = None
) -> dict[str, float]:
    """The task's metrics for ``scores`` (decisions under ``threshold`` if set)."""
    if ctx.task == Task.CLASSIFICATION:
        predicted = decisions(scores, threshold)
        if predicted is None:
            return evaluation.classification_metrics(y, scores)
        return evaluation.classification_metrics(y, scores, predicted=predicted)
    return evaluation.regression_metrics(y, scores)


def headline(task: Task) -> str:
    """The metric curves are drawn with: accuracy or R²."""
    return "accuracy" if task == Task.CLASSIFICATION else "r2"


def log_metrics(ctx: Context, prefix: str, values: dict[str, float]) -> None:
    ctx.log(prefix + ", ".join(f"{k}={v:.4f}" for k, v in values.items()))


def fold_means(
    folds: list[dict[str, float]],
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Each metric's per-fold values and their mean.

    Only metrics every fold produced are kept (a fold may be unable to compute
    one), so every mean averages the same number of folds.
    """
    names = [n for n in folds[0] if all(n in fold for fold in folds)]
    cv_metrics = {n: [fold[n] for fold in folds] for n in names}
    return cv_metrics, {n: float(np.mean(v)) for n, v in cv_metrics.items()}
