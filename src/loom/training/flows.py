"""Evaluation schemes: holdout, (grouped) k-fold and clustering.

Each flow fits the pipeline on training rows, scores held-out rows, then adds
what every run gets (evaluation details and plots, training-row metrics, the
algorithm's own report) and what the options ask for (a tuned threshold,
learning and validation curves).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loom.algorithms.base import Task
from loom.core.errors import InvalidInputError
from loom.training import evaluation, learning_curves, plots, splits, thresholds
from loom.training.bundle import ModelBundle
from loom.training.pipeline import (
    Context,
    Fitted,
    decisions,
    fit_pipeline,
    fold_means,
    log_metrics,
    metrics,
    score,
)
from loom.training.spec import TrainingOutcome

Details = tuple[dict[str, Any], dict[str, bytes]]


def evaluation_details(
    ctx: Context,
    y: np.ndarray,
    scores: np.ndarray,
    threshold: float | None,
    *,
    evaluated_on: str,
    threshold_block: dict[str, Any] | None = None,
) -> Details:
    """Curve data and plots from the evaluated rows, labelled with the scheme."""
    if ctx.task == Task.CLASSIFICATION:
        assert ctx.labels is not None
        details, figures = evaluation.classification_details(
            y, scores, ctx.labels, predicted=decisions(scores, threshold)
        )
    else:
        details, figures = evaluation.regression_details(y, scores, ctx.spec.seed)
    details["evaluated_on"] = evaluated_on
    if threshold_block is not None:
        details["threshold"] = threshold_block
    return details, figures


def _finish(
    ctx: Context,
    fitted: Fitted,
    fitted_on: tuple[pd.DataFrame, np.ndarray],
    outcome: Details,
    positions: np.ndarray | None = None,
) -> None:
    """Training-row metrics, requested curves and the algorithm's own report.

    ``fitted_on`` is ``(frame, y)``; with ``positions`` the model was fitted on
    those rows of ``frame`` (a holdout's share), and the share is copied out
    only when a requested curve or a report needs the whole of it.
    """
    full, y = fitted_on
    details, figures = outcome
    details["train_metrics"] = learning_curves.train_metrics(
        ctx, fitted, full, y, positions
    )
    options = ctx.spec.options
    if fitted.transform is not None and fitted.transform.summary():
        details["feature_selection"] = fitted.transform.summary()
    needs_rows = (
        options.learning_curve
        or options.validation_curve is not None
        or fitted.fitted_matrix is None
    )
    if positions is None:
        frame = full
    elif needs_rows:
        frame = full.iloc[positions].reset_index(drop=True)
    else:  # only the group column is read below; the report uses the fit matrix
        columns = [options.group_column] if options.group_column else []
        frame = full[columns].iloc[positions].reset_index(drop=True)
    if options.group_column is not None:
        groups = splits.groups_of(ctx, frame)
        assert groups is not None
        details["groups"] = {
            "column": options.group_column,
            "n_groups": len(np.unique(groups)),
        }
    if options.class_weight or options.resampling:
        details["imbalance"] = _imbalance_summary(ctx, y, fitted.resampled_y)
    if options.learning_curve:
        details["learning_curve"] = learning_curves.learning_curve(ctx, frame, y)
        figures["learning_curve.png"] = plots.learning_curve_png(
            details["learning_curve"]
        )
    if options.validation_curve is not None:
        details["validation_curve"] = learning_curves.validation_curve(ctx, frame, y)
        figures["validation_curve.png"] = plots.validation_curve_png(
            details["validation_curve"]
        )
    add_model_report(ctx, fitted, (frame, y), outcome)


def _imbalance_summary(
    ctx: Context, y: np.ndarray, resampled_y: np.ndarray | None
) -> dict[str, Any]:
    """Class counts of the training rows before and after rebalancing."""
    from loom.training import imbalance

    assert ctx.labels is not None
    options = ctx.spec.options
    after = y if resampled_y is None else resampled_y
    return {
        "class_weight": options.class_weight,
        "resampling": options.resampling,
        "counts_before": imbalance.class_counts(y, ctx.labels),
        "counts_after": imbalance.class_counts(after, ctx.labels),
    }


def add_model_report(
    ctx: Context,
    fitted: Fitted,
    fitted_on: tuple[pd.DataFrame, np.ndarray | None],
    outcome: Details,
) -> None:
    """Merge the algorithm's own report on the stored model into the run's details."""
    frame, y = fitted_on
    X = fitted.fitted_matrix if fitted.fitted_matrix is not None else None
    fitted.fitted_matrix = None
    report, figures = ctx.algorithm.report(
        fitted.estimator,
        X if X is not None else fitted.matrix(frame),
        y,
        fitted.feature_names,
    )
    if report:
        outcome[0]["report"] = report
    outcome[1].update(figures)


def bundle(ctx: Context, fitted: Fitted) -> ModelBundle:
    """The model Loom stores and serves."""
    return ModelBundle(
        algorithm=ctx.algorithm.name,
        task=ctx.task,
        target=ctx.spec.target,
        features=ctx.features,
        encoder=fitted.encoder,
        estimator=fitted.estimator,
        labels=ctx.labels,
        params=ctx.params.model_dump(mode="json"),
        transform=fitted.transform,
        threshold=fitted.threshold,
    )


def holdout(ctx: Context, frame: pd.DataFrame, y: np.ndarray) -> TrainingOutcome:
    """Fit on a training share, grade on the rest."""
    train_idx, test_idx = splits.holdout(ctx, frame, y)
    fitted = fit_pipeline(ctx, frame, y[train_idx], live=True, rows=train_idx)
    scores = score(ctx, fitted, frame.iloc[test_idx])
    threshold_block = None
    if ctx.spec.options.threshold is not None:
        ctx.log(f"tuning the threshold on {thresholds.INNER_FOLDS} inner folds")
        train_frame = frame.iloc[train_idx].reset_index(drop=True)
        choice = thresholds.tune(ctx, train_frame, y[train_idx])
        fitted.threshold = float(choice.value)
        default = metrics(ctx, y[test_idx], scores)
        threshold_block = thresholds.summary(ctx, choice, default)
    values = metrics(ctx, y[test_idx], scores, fitted.threshold)
    log_metrics(ctx, "test metrics: ", values)
    outcome = evaluation_details(
        ctx,
        y[test_idx],
        scores,
        fitted.threshold,
        evaluated_on="holdout",
        threshold_block=threshold_block,
    )
    _finish(ctx, fitted, (frame, y[train_idx]), outcome, positions=train_idx)
    return TrainingOutcome(
        metrics=values,
        cv_metrics=None,
        details=outcome[0],
        plots=outcome[1],
        bundle=bundle(ctx, fitted),
        n_train=len(train_idx),
        n_test=len(test_idx),
        fit_duration_s=ctx.fit_seconds,
    )


def cross_validated(
    ctx: Context, frame: pd.DataFrame, y: np.ndarray
) -> TrainingOutcome:
    """K folds scored out of fold; the stored model is refit on all rows."""
    k = ctx.spec.cv_folds
    assert k is not None
    tune = ctx.spec.options.threshold is not None
    pooled = np.zeros((len(y), len(ctx.labels))) if ctx.labels else np.zeros(len(y))
    folds: list[dict[str, float]] = []
    for number, (train_idx, test_idx) in enumerate(
        splits.kfold(ctx, frame, y, k), start=1
    ):
        fitted = fit_pipeline(ctx, frame, y[train_idx], rows=train_idx)
        pooled[test_idx] = score(ctx, fitted, frame.iloc[test_idx])
        fold_threshold = None
        if tune:  # inner folds need the share itself: copy it out only then
            share = frame.iloc[train_idx].reset_index(drop=True)
            fold_threshold = thresholds.tune(ctx, share, y[train_idx]).value
        folds.append(metrics(ctx, y[test_idx], pooled[test_idx], fold_threshold))
        log_metrics(ctx, f"fold {number}/{k}: ", folds[-1])
    cv_metrics, values = fold_means(folds)
    log_metrics(ctx, f"mean over {k} folds: ", values)
    threshold_block, threshold = None, None
    if tune:
        choice = thresholds.choose(ctx, y, pooled[:, 1])
        threshold = float(choice.value)
        threshold_block = thresholds.summary(ctx, choice, metrics(ctx, y, pooled))
    outcome = evaluation_details(
        ctx,
        y,
        pooled,
        threshold,
        evaluated_on="cross_validation",
        threshold_block=threshold_block,
    )
    ctx.log(f"refitting on all {len(y)} rows")
    fitted = fit_pipeline(ctx, frame, y, live=True)
    fitted.threshold = threshold
    _finish(ctx, fitted, (frame, y), outcome)
    return TrainingOutcome(
        metrics=values,
        cv_metrics=cv_metrics,
        details=outcome[0],
        plots=outcome[1],
        bundle=bundle(ctx, fitted),
        n_train=len(y),
        n_test=len(y),
        fit_duration_s=ctx.fit_seconds,
    )


def clustering(
    ctx: Context, frame: pd.DataFrame, target: str | None
) -> TrainingOutcome:
    """Fit and score all rows; a target, if given, only grades the clusters."""
    if ctx.spec.cv_folds:
        ctx.log("cv_folds is ignored for clustering: all rows are fitted and scored")
    if len(frame) < 2:
        raise InvalidInputError(f"clustering needs at least 2 rows; got {len(frame)}")
    fitted = fit_pipeline(ctx, frame, None, live=True)
    X = fitted.fitted_matrix if fitted.fitted_matrix is not None else None
    if X is None:
        X = fitted.matrix(frame)
    clusters = np.asarray(fitted.estimator.predict(X), dtype=np.int64)
    values = evaluation.clustering_metrics(X, clusters, ctx.spec.seed)
    details: dict[str, Any] = {"evaluated_on": "training"}
    if target is not None:
        known = frame[target].notna().to_numpy()
        truth = pd.factorize(frame[target].astype(object)[known])[0]
        values.update(evaluation.clustering_agreement(truth, clusters[known]))
        details["scored_against"] = {"target": target, "rows": int(known.sum())}
    log_metrics(ctx, "metrics: ", values)
    ids, counts = np.unique(clusters, return_counts=True)
    details["cluster_sizes"] = {
        str(i): int(c) for i, c in zip(ids, counts, strict=True)
    }
    notes = evaluation.clustering_notes(values)
    if notes:
        details["notes"] = notes
    if fitted.transform is not None and fitted.transform.summary():
        details["feature_selection"] = fitted.transform.summary()
    figures = {"clusters.png": plots.clusters_png(X, clusters, ctx.spec.seed)}
    add_model_report(ctx, fitted, (frame, None), (details, figures))
    return TrainingOutcome(
        metrics=values,
        cv_metrics=None,
        details=details,
        plots=figures,
        bundle=bundle(ctx, fitted),
        n_train=len(frame),
        n_test=0,
        fit_duration_s=ctx.fit_seconds,
    )
