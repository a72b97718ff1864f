"""Training flow for text classifiers: one column of raw documents, one label.

``fitting.train`` hands a run here when the algorithm ``reads_text``. The
estimator takes raw strings (its tokeniser inside), so the flow is
estimator-agnostic: any ``fit(texts, codes)`` / ``predict_proba(texts)`` with
``classes_`` works (the neural classifiers, fastText). Evaluation mirrors the
tabular flows: a stratified holdout (the stored model is the one fitted on the
training share) or stratified K-fold (the stored model is refit on every
document), the same metric names and run details, and a ``TextColumnEncoder``
in the bundle so endpoints and batch scoring take raw text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from loom.algorithms.base import Algorithm
from loom.core.errors import InvalidInputError
from loom.training import evaluation, splits
from loom.training.bundle import ModelBundle
from loom.training.fitting import class_codes
from loom.training.options import TrainingOptions
from loom.training.pipeline import Context, fold_means, log_metrics
from loom.training.spec import TrainingOutcome, TrainingSpec
from loom.training.text_common import (
    EpochCallback,
    fit_estimator,
    has_text,
    log_ignored_options,
    require_target_column,
    text_bundle,
)
from loom.training.text_encoding import resolve_text_column


@dataclass
class _Documents:
    """The usable rows: their text and class codes, and the text column."""

    column: str
    texts: list[str]
    y: np.ndarray
    had_missing_text: bool


def train_text_classifier(
    algorithm: Algorithm,
    params: BaseModel,
    spec: TrainingSpec,
    df: pd.DataFrame,
    log: Callable[[str], None],
    *,
    on_epoch: EpochCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainingOutcome:
    """Train a raw-text classifier on ``df``; deterministic per seed.

    ``on_epoch``/``should_stop`` reach the stored model's fit only (held-out
    and fold fits stay quiet), as in the tabular flows.

    Raises:
        InvalidInputError: a bad split setting, no target, not exactly one
            string feature column, fewer than 2 classes or too few rows in a
            class, or no document left with text.
    """
    spec.check_evaluation()
    log_ignored_options(spec, log, "text classifiers")
    # Tabular options (groups, resampling...) must not reach the shared splitters.
    ctx = Context(algorithm, params, replace(spec, options=TrainingOptions()), [], log)
    docs = _documents(ctx, df)
    ctx.features = [docs.column]
    log(
        f"training {algorithm.name} ({algorithm.task}) on {len(docs.texts)} "
        f"documents from '{docs.column}'; params {params.model_dump()}"
    )
    if spec.cv_folds:
        outcome = _cross_validated(ctx, docs, on_epoch, should_stop)
    else:
        outcome = _holdout(ctx, docs, on_epoch, should_stop)
    return outcome


def _documents(ctx: Context, df: pd.DataFrame) -> _Documents:
    """Resolve the text column and target; drop rows lacking either."""
    spec, name = ctx.spec, ctx.algorithm.name
    target = spec.target
    if not target:
        raise InvalidInputError(
            f"algorithm '{name}' (classification) needs a target column of labels"
        )
    require_target_column(df, target)
    column = resolve_text_column(df, spec.features, target, name)
    text = has_text(df[column])
    keep = text & df[target].notna().to_numpy()
    if not keep.any():
        raise InvalidInputError(
            f"no row has both text in '{column}' and a value in '{target}'"
        )
    if not keep.all():
        ctx.log(
            f"dropped {int((~keep).sum())} rows with empty '{column}' or a null "
            f"target '{target}'"
        )
    frame = df.loc[keep].reset_index(drop=True)
    y = class_codes(ctx, frame[target])
    texts = [str(v) for v in frame[column]]
    return _Documents(column, texts, y, bool((~text).any()))


def _fit(
    ctx: Context,
    texts: list[str],
    y: np.ndarray,
    on_epoch: EpochCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Any:
    """A fresh estimator fitted on ``texts``; its fit time adds to the run's."""
    estimator, seconds = fit_estimator(
        ctx.algorithm,
        ctx.params,
        ctx.spec.seed,
        (texts, y),
        ctx.log,
        on_epoch=on_epoch,
        should_stop=should_stop,
    )
    ctx.fit_seconds += seconds
    return estimator


def _proba(ctx: Context, estimator: Any, texts: list[str]) -> np.ndarray:
    """``(n, K)`` probabilities over every label, whatever classes were fitted."""
    assert ctx.labels is not None
    raw = np.asarray(estimator.predict_proba(texts), dtype=np.float64)
    full = np.zeros((len(texts), len(ctx.labels)))
    full[:, np.asarray(estimator.classes_, dtype=np.int64)] = raw
    return full


def _pick(texts: list[str], rows: np.ndarray) -> list[str]:
    return [texts[i] for i in rows]


def _scores(y: np.ndarray, proba: np.ndarray, y_train: np.ndarray) -> dict[str, float]:
    """Classification metrics plus the majority-class baseline's accuracy.

    The baseline predicts the most frequent class of the training rows; a
    model must clearly beat it to have learned anything from the words.
    """
    values = evaluation.classification_metrics(y, proba)
    majority = np.bincount(y_train).argmax()
    values["baseline_accuracy"] = float(np.mean(y == majority))
    return values


def _holdout(
    ctx: Context,
    docs: _Documents,
    on_epoch: EpochCallback | None,
    should_stop: Callable[[], bool] | None,
) -> TrainingOutcome:
    """Fit on a stratified training share (the model kept) and grade the rest."""
    frame = pd.DataFrame(index=range(len(docs.y)))
    train_idx, test_idx = splits.holdout(ctx, frame, docs.y)
    train_texts = _pick(docs.texts, train_idx)
    model = _fit(ctx, train_texts, docs.y[train_idx], on_epoch, should_stop)
    proba = _proba(ctx, model, _pick(docs.texts, test_idx))
    values = _scores(docs.y[test_idx], proba, docs.y[train_idx])
    log_metrics(ctx, "test metrics: ", values)
    details, figures = _details(ctx, docs.y[test_idx], proba, "holdout")
    _finish(ctx, model, train_texts, docs.y[train_idx], details)
    return TrainingOutcome(
        metrics=values,
        cv_metrics=None,
        details=details,
        plots=figures,
        bundle=_bundle(ctx, docs, model),
        n_train=len(train_idx),
        n_test=len(test_idx),
        fit_duration_s=ctx.fit_seconds,
    )


def _cross_validated(
    ctx: Context,
    docs: _Documents,
    on_epoch: EpochCallback | None,
    should_stop: Callable[[], bool] | None,
) -> TrainingOutcome:
    """Stratified K folds scored out of fold; the kept model is refit on all."""
    k = ctx.spec.cv_folds
    assert k is not None
    assert ctx.labels is not None
    y = docs.y
    frame = pd.DataFrame(index=range(len(y)))
    pooled = np.zeros((len(y), len(ctx.labels)))
    folds: list[dict[str, float]] = []
    for number, (train_idx, test_idx) in enumerate(
        splits.kfold(ctx, frame, y, k), start=1
    ):
        model = _fit(ctx, _pick(docs.texts, train_idx), y[train_idx])
        pooled[test_idx] = _proba(ctx, model, _pick(docs.texts, test_idx))
        folds.append(_scores(y[test_idx], pooled[test_idx], y[train_idx]))
        log_metrics(ctx, f"fold {number}/{k}: ", folds[-1])
    cv_metrics, values = fold_means(folds)
    log_metrics(ctx, f"mean over {k} folds: ", values)
    details, figures = _details(ctx, y, pooled, "cross_validation")
    ctx.log(f"refitting on all {len(y)} documents")
    model = _fit(ctx, docs.texts, y, on_epoch, should_stop)
    _finish(ctx, model, docs.texts, y, details)
    return TrainingOutcome(
        metrics=values,
        cv_metrics=cv_metrics,
        details=details,
        plots=figures,
        bundle=_bundle(ctx, docs, model),
        n_train=len(y),
        n_test=len(y),
        fit_duration_s=ctx.fit_seconds,
    )


def _details(
    ctx: Context, y: np.ndarray, proba: np.ndarray, evaluated_on: str
) -> tuple[dict[str, Any], dict[str, bytes]]:
    assert ctx.labels is not None
    details, figures = evaluation.classification_details(y, proba, ctx.labels)
    details["evaluated_on"] = evaluated_on
    return details, figures


def _finish(
    ctx: Context, model: Any, texts: list[str], y: np.ndarray, details: dict[str, Any]
) -> None:
    """Training-document metrics, the model's own report and a baseline note."""
    details["train_metrics"] = evaluation.classification_metrics(
        y, _proba(ctx, model, texts)
    )
    report, _ = ctx.algorithm.report(model, texts, y, ctx.features)
    if report:
        details["report"] = report
    details["notes"] = [
        "baseline_accuracy is the accuracy of always predicting the most frequent "
        "class of the training documents; a useful model is well above it"
    ]


def _bundle(ctx: Context, docs: _Documents, model: Any) -> ModelBundle:
    """The servable model: raw text of ``docs.column`` in, labels out."""
    return text_bundle(
        ctx.algorithm,
        ctx.params,
        docs.column,
        model,
        target=ctx.spec.target,
        missing_text=docs.had_missing_text,
        labels=ctx.labels,
    )
