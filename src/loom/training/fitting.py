"""``train()``: validate a training request, then fit, evaluate, plot and bundle.

The steps live in their own modules: ``pipeline`` (one fit: encode, select,
scale, rebalance, estimator), ``splits`` (holdout and k-fold, stratified and
grouped), ``flows`` (the evaluation schemes), ``thresholds`` and
``learning_curves`` (options), and ``loom.advice`` (findings about the run).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import get_algorithm, validate_params
from loom.core.errors import InvalidInputError
from loom.training import flows
from loom.training.bundle import json_safe
from loom.training.option_checks import check_options
from loom.training.pipeline import Context
from loom.training.spec import TrainingOutcome, TrainingSpec

__all__ = ["TrainingOutcome", "TrainingSpec", "train"]

logger = logging.getLogger(__name__)

ADVICE_ROWS = 20_000


def _ignore(line: str) -> None:
    """Default ``log``: drop progress lines."""


def train(
    df: pd.DataFrame,
    spec: TrainingSpec,
    log: Callable[[str], None] = _ignore,
    *,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainingOutcome:
    """Train ``spec.algorithm`` on ``df`` and evaluate it; deterministic per seed.

    Args:
        df: the training table.
        spec: what to train and how to evaluate it.
        log: receives one human-readable progress line at a time.
        on_epoch: called as ``on_epoch(epoch, metrics)`` after each epoch of the
            stored model's fit, for algorithms that train in epochs; inner CV
            folds do not report, so the stream describes the model Loom keeps.
        should_stop: polled during the stored model's fit; True ends training
            gracefully, keeping the best epoch's weights.

    Raises:
        InvalidInputError: unknown algorithm, parameter or option, a missing
            target or feature column, a constant feature, an unusable target,
            or an impossible split.
    """
    algorithm = get_algorithm(spec.algorithm)
    params = validate_params(spec.algorithm, spec.params)
    from loom.training.text_flows import TEXT_TASKS, train_text

    if algorithm.task in TEXT_TASKS:
        return train_text(
            algorithm, params, spec, df, log, on_epoch=on_epoch, should_stop=should_stop
        )
    if algorithm.reads_text:
        from loom.training.text_classification import train_text_classifier

        return train_text_classifier(
            algorithm, params, spec, df, log, on_epoch=on_epoch, should_stop=should_stop
        )
    if algorithm.task == Task.EMBEDDING:
        from loom.training.embedding_flow import train_embeddings

        return train_embeddings(
            algorithm, params, spec, df, log, on_epoch=on_epoch, should_stop=should_stop
        )
    _check_spec(spec, algorithm.task)
    columns = [str(c) for c in df.columns]
    check_options(algorithm, params, spec.options, columns=columns, target=spec.target)
    ctx = Context(algorithm, params, spec, _resolve_features(df, spec, algorithm), log)
    ctx.on_epoch, ctx.should_stop = on_epoch, should_stop
    log(
        f"training {algorithm.name} ({algorithm.task}) on {len(df)} rows, "
        f"{len(ctx.features)} features; params {params.model_dump()}"
        + (
            f"; options {spec.options.non_defaults()}"
            if spec.options.non_defaults()
            else ""
        )
    )
    if ctx.task == Task.CLUSTERING:
        frame = df.reset_index(drop=True)
        _check_constant(ctx, frame)
        target = spec.target
        if target is not None:
            ctx.log(f"target '{target}' is not a feature; it only scores the clusters")
            # The stored model has no target, so serving never asks for it.
            ctx = replace(ctx, spec=replace(spec, target=None))
        outcome = flows.clustering(ctx, frame, target)
        _advise(ctx, frame, None, outcome)
        return outcome
    frame, y = _prepare_target(ctx, df)
    _check_constant(ctx, frame)
    if ctx.spec.options.threshold is not None:
        from loom.training.thresholds import check_binary

        check_binary(ctx)
    if spec.cv_folds:
        outcome = flows.cross_validated(ctx, frame, y)
    else:
        outcome = flows.holdout(ctx, frame, y)
    _advise(ctx, frame, y, outcome)
    return outcome


# -- validation ------------------------------------------------------------------


def _check_spec(spec: TrainingSpec, task: Task) -> None:
    spec.check_evaluation()
    if task != Task.CLUSTERING and not spec.target:
        raise InvalidInputError(
            f"algorithm '{spec.algorithm}' ({task}) needs a target column"
        )


def _resolve_features(
    df: pd.DataFrame, spec: TrainingSpec, algorithm: Algorithm
) -> list[str]:
    columns = [str(c) for c in df.columns]
    if spec.target is not None and spec.target not in df.columns:
        raise InvalidInputError(
            f"target column '{spec.target}' not found; "
            f"columns are: {', '.join(columns)}"
        )
    group = spec.options.group_column
    if spec.features is None:
        rest = [c for c in columns if c not in (spec.target, group)]
        features = algorithm.default_features(rest)
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


def _prepare_target(ctx: Context, df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
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
    return df, class_codes(ctx, series)


def class_codes(ctx: Context, series: pd.Series) -> np.ndarray:
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


def _check_constant(ctx: Context, frame: pd.DataFrame) -> None:
    """A feature with a single value (or none) carries no information: refuse it.

    Caught here, before any fit, because downstream it surfaces as an obscure
    library error (a singular design, a zero variance) or silently as nothing.
    """
    if ctx.algorithm.keeps_constant_features:
        return  # e.g. image pixels that are blank in every training image
    constant = [name for name in ctx.features if _is_constant(frame[name])]
    if not constant:
        return
    shown = ", ".join(
        f"'{name}' ("
        + (
            "all null"
            if frame[name].isna().all()
            else f"always {json_safe(frame[name].dropna().iloc[0])!r}"
        )
        + ")"
        for name in constant[:5]
    )
    raise InvalidInputError(
        f"constant feature column{'s' if len(constant) > 1 else ''} {shown}: "
        "a column with one value cannot inform the model; leave it out of the "
        "features"
    )


def _is_constant(series: pd.Series) -> bool:
    """One distinct non-null value, or none; min == max for numbers (fast)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        finite = values[~np.isnan(values)]
        return finite.size == 0 or bool(finite.min() == finite.max())
    return bool(series.nunique(dropna=True) <= 1)


def _advise(
    ctx: Context, frame: pd.DataFrame, y: np.ndarray | None, outcome: TrainingOutcome
) -> None:
    """Add the advice engine's findings to the run's details.

    Advice is a reading of a finished run, never a reason to fail it: an
    unexpected error is logged and the run keeps its results.
    """
    from loom.advice import AdviceInput, advise

    bundle = outcome.bundle
    # The rules read shares and samples, never every row: encode at most
    # ADVICE_ROWS of them (seeded), which keeps advice cheap on big tables.
    if len(frame) > ADVICE_ROWS:
        rows = np.sort(
            np.random.default_rng(ctx.spec.seed).choice(
                len(frame), ADVICE_ROWS, replace=False
            )
        )
        frame = frame.iloc[rows].reset_index(drop=True)
        y = None if y is None else y[rows]
    try:
        findings = advise(
            AdviceInput(
                task=str(ctx.task),
                algorithm=ctx.algorithm.name,
                # Models that standardise their own inputs need no scaling advice.
                scale_sensitive=ctx.algorithm.scale_sensitive
                and not ctx.algorithm.standardizes_inputs,
                frame=frame,
                features=ctx.features,
                target=ctx.spec.target,
                y=y,
                labels=ctx.labels,
                X=bundle.encoder.transform_frame(frame),
                feature_names=bundle.encoder.feature_names_out,
                metrics=outcome.metrics,
                train_metrics=outcome.details.get("train_metrics", {}),
                cv_metrics=outcome.cv_metrics,
                report=outcome.details.get("report"),
                options=ctx.spec.options.model_dump(mode="json"),
                params=ctx.params.model_dump(mode="json"),
            )
        )
    except Exception:
        logger.exception("advice failed for %s", ctx.algorithm.name)
        ctx.log("advice: could not be computed (see the server log)")
        return
    outcome.details["advice"] = [finding.to_dict() for finding in findings]
    for finding in findings:
        ctx.log(f"advice [{finding.severity}] {finding.title}")
