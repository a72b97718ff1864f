"""``train()``: validate a training request, then fit, evaluate, plot and bundle."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import get_algorithm, validate_params
from loom.core.errors import InvalidInputError
from loom.training import evaluation, plots
from loom.training.bundle import ModelBundle, json_safe
from loom.training.encoding import TabularEncoder


@dataclass
class TrainingSpec:
    """What to train: algorithm, parameters, columns and evaluation scheme.

    ``cv_folds=None`` evaluates on a holdout of ``test_size``; ``cv_folds=K``
    runs (stratified) K-fold cross-validation and ignores ``test_size``.
    """

    algorithm: str
    params: dict[str, Any]
    target: str | None
    features: list[str] | None = None
    seed: int = 42
    cv_folds: int | None = None
    test_size: float = 0.2


@dataclass
class TrainingOutcome:
    """Everything a run records: metrics, curves, plots and the model bundle.

    With cross-validation ``metrics`` are fold means, ``cv_metrics`` the per-fold
    values, ``details``/``plots`` come from the pooled out-of-fold predictions,
    and ``n_train == n_test ==`` all rows (each row is scored once, out of fold;
    the stored model is refit on all of them). Clustering fits and scores all
    rows, so ``n_test == 0``.
    """

    metrics: dict[str, float]
    cv_metrics: dict[str, list[float]] | None
    details: dict[str, Any]
    plots: dict[str, bytes]
    bundle: ModelBundle
    n_train: int
    n_test: int
    fit_duration_s: float


def _ignore(line: str) -> None:
    """Default ``log``: drop progress lines."""


@dataclass
class _Context:
    """The resolved pieces of one training call, passed between the steps."""

    algorithm: Algorithm
    params: BaseModel
    spec: TrainingSpec
    features: list[str]
    log: Callable[[str], None]
    labels: list[Any] | None = None
    fit_seconds: float = field(default=0.0)

    @property
    def task(self) -> Task:
        return self.algorithm.task


def train(
    df: pd.DataFrame, spec: TrainingSpec, log: Callable[[str], None] = _ignore
) -> TrainingOutcome:
    """Train ``spec.algorithm`` on ``df`` and evaluate it; deterministic per seed.

    Args:
        df: the training table.
        spec: what to train and how to evaluate it.
        log: receives one human-readable progress line at a time.

    Raises:
        InvalidInputError: unknown algorithm or parameter, a missing target or
            feature column, an unusable target, or an impossible split.
    """
    algorithm = get_algorithm(spec.algorithm)
    params = validate_params(spec.algorithm, spec.params)
    _check_spec(spec, algorithm.task)
    ctx = _Context(algorithm, params, spec, _resolve_features(df, spec), log)
    log(
        f"training {algorithm.name} ({algorithm.task}) on {len(df)} rows, "
        f"{len(ctx.features)} features; params {params.model_dump()}"
    )
    if ctx.task == Task.CLUSTERING:
        return _train_clustering(ctx, df)
    frame, y = _prepare_target(ctx, df)
    if spec.cv_folds:
        return _train_cross_validated(ctx, frame, y)
    return _train_holdout(ctx, frame, y)


# -- validation ------------------------------------------------------------------


def _check_spec(spec: TrainingSpec, task: Task) -> None:
    if spec.cv_folds is not None and not 2 <= spec.cv_folds <= 20:
        raise InvalidInputError(
            f"cv_folds must be an int in the range [2, 20] or None; got {spec.cv_folds}"
        )
    if not 0.0 < spec.test_size < 0.9:
        raise InvalidInputError(
            f"test_size must be a float in the range (0, 0.9); got {spec.test_size}"
        )
    if task != Task.CLUSTERING and not spec.target:
        raise InvalidInputError(
            f"algorithm '{spec.algorithm}' ({task}) needs a target column"
        )


def _resolve_features(df: pd.DataFrame, spec: TrainingSpec) -> list[str]:
    columns = [str(c) for c in df.columns]
    if spec.target is not None and spec.target not in df.columns:
        raise InvalidInputError(
            f"target column '{spec.target}' not found; "
            f"columns are: {', '.join(columns)}"
        )
    if spec.features is None:
        features = [c for c in columns if c != spec.target]
    else:
        features = list(spec.features)
        for name in features:
            if name not in df.columns:
                raise InvalidInputError(
                    f"feature column '{name}' not found; "
                    f"columns are: {', '.join(columns)}"
                )
        if spec.target is not None and spec.target in features:
            raise InvalidInputError(
                f"target column '{spec.target}' cannot also be a feature"
            )
    if not features:
        raise InvalidInputError("no feature columns: the table has only the target")
    return features


def _prepare_target(ctx: _Context, df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop rows without a target and return the rows with ``y`` (codes or floats)."""
    target = ctx.spec.target
    assert target is not None
    series = df[target]
    missing = int(series.isna().sum())
    if missing:
        ctx.log(f"dropped {missing} rows with a null target '{target}'")
        df = df.loc[series.notna()].reset_index(drop=True)
        series = df[target]
    if ctx.task == Task.REGRESSION:
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(
            series
        ):
            raise InvalidInputError(
                f"regression target '{target}' must be numeric; got {series.dtype}"
            )
        return df, series.to_numpy(dtype=np.float64)
    return df, _class_codes(ctx, series)


def _class_codes(ctx: _Context, series: pd.Series) -> np.ndarray:
    target = ctx.spec.target
    if pd.api.types.is_float_dtype(series) and not np.all(np.mod(series, 1) == 0):
        raise InvalidInputError(
            f"classification target '{target}' holds non-integer numbers; "
            "use a regression algorithm"
        )
    values = pd.unique(series)
    try:
        labels = sorted(values)
    except TypeError:
        labels = sorted(values, key=str)
    if len(labels) < 2:
        raise InvalidInputError(
            f"classification target '{target}' needs at least 2 classes; "
            f"got {len(labels)}"
        )
    codes = pd.Index(labels, dtype=object).get_indexer(series.astype(object))
    counts = np.bincount(codes, minlength=len(labels))
    needed = ctx.spec.cv_folds or 2
    if counts.min() < needed:
        rare = labels[int(counts.argmin())]
        raise InvalidInputError(
            f"class {json_safe(rare)!r} of target '{target}' has {counts.min()} rows; "
            f"each class needs at least {needed}"
            + (" (use fewer cv_folds)" if ctx.spec.cv_folds else "")
        )
    # Whole-number float labels (an int column that held nulls) read as ints.
    if all(
        isinstance(v, float | np.floating) and float(v).is_integer() for v in labels
    ):
        labels = [int(v) for v in labels]
    ctx.labels = [json_safe(v) for v in labels]
    ctx.log(f"{len(labels)} classes: {', '.join(map(str, ctx.labels[:20]))}")
    out: np.ndarray = codes.astype(np.int64)
    return out


# -- fitting and scoring ----------------------------------------------------------


def _fit(
    ctx: _Context, frame: pd.DataFrame, y: np.ndarray | None
) -> tuple[TabularEncoder, Any]:
    """Fit a fresh encoder and estimator; library warnings become log lines."""
    encoder = TabularEncoder(impute=not ctx.algorithm.handles_missing)
    encoder.fit(frame, ctx.features)
    X = encoder.transform_frame(frame)
    estimator = ctx.algorithm.build(ctx.params, ctx.spec.seed)
    ctx.algorithm.bind_features(estimator, encoder.feature_names_out)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X) if y is None else estimator.fit(X, y)
    ctx.fit_seconds += time.perf_counter() - started
    for message in dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught):
        ctx.log(f"warning: {message}")
    return encoder, estimator


def _score(
    ctx: _Context, encoder: TabularEncoder, estimator: Any, frame: pd.DataFrame
) -> np.ndarray:
    """Class probabilities ``(n, K)`` over ALL classes, or regression predictions."""
    X = encoder.transform_frame(frame)
    if ctx.task != Task.CLASSIFICATION:
        return np.ravel(estimator.predict(X)).astype(np.float64)
    assert ctx.labels is not None
    proba = np.zeros((len(X), len(ctx.labels)))
    # A class missing from a training split has no column; it gets probability 0.
    proba[:, np.asarray(estimator.classes_, dtype=np.int64)] = estimator.predict_proba(
        X
    )
    return proba


def _metrics(ctx: _Context, y: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    if ctx.task == Task.CLASSIFICATION:
        return evaluation.classification_metrics(y, scores)
    return evaluation.regression_metrics(y, scores)


def _report(
    ctx: _Context, y: np.ndarray, scores: np.ndarray, evaluated_on: str
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Curve data and plots from the evaluated rows."""
    details: dict[str, Any] = {"evaluated_on": evaluated_on}
    if ctx.task == Task.CLASSIFICATION:
        assert ctx.labels is not None
        details["labels"] = ctx.labels
        details["confusion_matrix"] = evaluation.confusion(y, scores)
        details["roc_curve"] = evaluation.roc_points(y, scores, ctx.labels)
        figures = {
            "confusion_matrix.png": plots.confusion_matrix_png(
                details["confusion_matrix"], ctx.labels
            )
        }
        if details["roc_curve"]:
            figures["roc_curve.png"] = plots.roc_curve_png(details["roc_curve"])
        return details, figures
    details["residuals"] = evaluation.residual_points(y, scores, ctx.spec.seed)
    residuals = details["residuals"]
    return details, {
        "residuals.png": plots.residuals_png(residuals["fitted"], residuals["residual"])
    }


def _add_model_report(
    ctx: _Context,
    encoder: TabularEncoder,
    estimator: Any,
    fitted_on: tuple[pd.DataFrame, np.ndarray | None],
    outcome: tuple[dict[str, Any], dict[str, bytes]],
) -> None:
    """Merge the algorithm's own report on the stored model into the run's details."""
    frame, y = fitted_on
    report, figures = ctx.algorithm.report(
        estimator, encoder.transform_frame(frame), y, encoder.feature_names_out
    )
    if report:
        outcome[0]["report"] = report
    outcome[1].update(figures)


def _bundle(ctx: _Context, encoder: TabularEncoder, estimator: Any) -> ModelBundle:
    return ModelBundle(
        algorithm=ctx.algorithm.name,
        task=ctx.task,
        target=ctx.spec.target,
        features=ctx.features,
        encoder=encoder,
        estimator=estimator,
        labels=ctx.labels,
        params=ctx.params.model_dump(mode="json"),
    )


def _log_metrics(ctx: _Context, prefix: str, metrics: dict[str, float]) -> None:
    ctx.log(prefix + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()))


# -- evaluation schemes --------------------------------------------------------------


def _train_holdout(
    ctx: _Context, frame: pd.DataFrame, y: np.ndarray
) -> TrainingOutcome:
    from sklearn.model_selection import train_test_split

    stratify = y if ctx.task == Task.CLASSIFICATION else None
    try:
        train_idx, test_idx = train_test_split(
            np.arange(len(y)),
            test_size=ctx.spec.test_size,
            random_state=ctx.spec.seed,
            stratify=stratify,
        )
    except ValueError as exc:
        raise InvalidInputError(
            f"cannot split {len(y)} rows with test_size={ctx.spec.test_size}: {exc}"
        ) from None
    ctx.log(
        f"holdout split: {len(train_idx)} train / {len(test_idx)} test rows"
        + (" (stratified)" if stratify is not None else "")
    )
    train_frame = frame.iloc[train_idx].reset_index(drop=True)
    encoder, estimator = _fit(ctx, train_frame, y[train_idx])
    scores = _score(ctx, encoder, estimator, frame.iloc[test_idx])
    metrics = _metrics(ctx, y[test_idx], scores)
    _log_metrics(ctx, "test metrics: ", metrics)
    details, figures = _report(ctx, y[test_idx], scores, "holdout")
    _add_model_report(
        ctx, encoder, estimator, (train_frame, y[train_idx]), (details, figures)
    )
    return TrainingOutcome(
        metrics=metrics,
        cv_metrics=None,
        details=details,
        plots=figures,
        bundle=_bundle(ctx, encoder, estimator),
        n_train=len(train_idx),
        n_test=len(test_idx),
        fit_duration_s=ctx.fit_seconds,
    )


def _train_cross_validated(
    ctx: _Context, frame: pd.DataFrame, y: np.ndarray
) -> TrainingOutcome:
    from sklearn.model_selection import KFold, StratifiedKFold

    k = ctx.spec.cv_folds
    assert k is not None
    if len(y) < k:
        raise InvalidInputError(f"cv_folds={k} needs at least {k} rows; got {len(y)}")
    splitter_class = StratifiedKFold if ctx.task == Task.CLASSIFICATION else KFold
    splitter = splitter_class(n_splits=k, shuffle=True, random_state=ctx.spec.seed)
    pooled = np.zeros((len(y), len(ctx.labels))) if ctx.labels else np.zeros(len(y))
    folds: list[dict[str, float]] = []
    for number, (train_idx, test_idx) in enumerate(splitter.split(frame, y), start=1):
        train_frame = frame.iloc[train_idx].reset_index(drop=True)
        encoder, estimator = _fit(ctx, train_frame, y[train_idx])
        pooled[test_idx] = _score(ctx, encoder, estimator, frame.iloc[test_idx])
        folds.append(_metrics(ctx, y[test_idx], pooled[test_idx]))
        _log_metrics(ctx, f"fold {number}/{k}: ", folds[-1])
    names = [n for n in folds[0] if all(n in fold for fold in folds)]
    cv_metrics = {n: [fold[n] for fold in folds] for n in names}
    metrics = {n: float(np.mean(values)) for n, values in cv_metrics.items()}
    _log_metrics(ctx, f"mean over {k} folds: ", metrics)
    details, figures = _report(ctx, y, pooled, "cross_validation")
    ctx.log(f"refitting on all {len(y)} rows")
    encoder, estimator = _fit(ctx, frame, y)
    _add_model_report(ctx, encoder, estimator, (frame, y), (details, figures))
    return TrainingOutcome(
        metrics=metrics,
        cv_metrics=cv_metrics,
        details=details,
        plots=figures,
        bundle=_bundle(ctx, encoder, estimator),
        n_train=len(y),
        n_test=len(y),
        fit_duration_s=ctx.fit_seconds,
    )


def _train_clustering(ctx: _Context, df: pd.DataFrame) -> TrainingOutcome:
    """Fit and score all rows; a target, if given, only grades the clusters.

    The target column never reaches the model (``_resolve_features`` keeps it
    out of the features) and the stored bundle has no target, so serving never
    asks for it; it adds ARI and NMI against the clusters, on the rows where it
    is not null.
    """
    if ctx.spec.cv_folds:
        ctx.log("cv_folds is ignored for clustering: all rows are fitted and scored")
    frame = df.reset_index(drop=True)
    if len(frame) < 2:
        raise InvalidInputError(f"clustering needs at least 2 rows; got {len(frame)}")
    target = ctx.spec.target
    if target is not None:
        ctx.log(f"target '{target}' is not a feature; it only scores the clusters")
        ctx = replace(ctx, spec=replace(ctx.spec, target=None))
    encoder, estimator = _fit(ctx, frame, None)
    X = encoder.transform_frame(frame)
    clusters = np.asarray(estimator.predict(X), dtype=np.int64)
    metrics = evaluation.clustering_metrics(X, clusters, ctx.spec.seed)
    details: dict[str, Any] = {"evaluated_on": "training"}
    if target is not None:
        known = frame[target].notna().to_numpy()
        truth = pd.factorize(frame[target].astype(object)[known])[0]
        metrics.update(evaluation.clustering_agreement(truth, clusters[known]))
        details["scored_against"] = {"target": target, "rows": int(known.sum())}
    _log_metrics(ctx, "metrics: ", metrics)
    ids, counts = np.unique(clusters, return_counts=True)
    details["cluster_sizes"] = {
        str(i): int(c) for i, c in zip(ids, counts, strict=True)
    }
    notes = evaluation.clustering_notes(metrics)
    if notes:
        details["notes"] = notes
    figures = {"clusters.png": plots.clusters_png(X, clusters, ctx.spec.seed)}
    _add_model_report(ctx, encoder, estimator, (frame, None), (details, figures))
    return TrainingOutcome(
        metrics=metrics,
        cv_metrics=None,
        details=details,
        plots=figures,
        bundle=_bundle(ctx, encoder, estimator),
        n_train=len(frame),
        n_test=0,
        fit_duration_s=ctx.fit_seconds,
    )
