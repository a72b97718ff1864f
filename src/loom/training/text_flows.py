"""Training flows for text tasks: topic modelling and sequence labelling.

``fitting.train`` hands a run over here when the algorithm's task is in
``TEXT_TASKS``. Both flows read ONE string column (raw documents, or sentences
of space-separated tokens with a target of space-separated tags) and return the
same ``TrainingOutcome`` as tabular runs, with a ``TextColumnEncoder`` in the
bundle so serving and batch scoring work unchanged. ``TrainingOptions`` are
tabular knobs (standardising, resampling, thresholds...): text runs ignore
them and say so in the log.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.text.tokenize import split_tagged
from loom.core.errors import InvalidInputError
from loom.training import sequence_metrics
from loom.training.bundle import ModelBundle
from loom.training.pipeline import fold_means
from loom.training.spec import TrainingOutcome, TrainingSpec
from loom.training.text_common import (
    EpochCallback,
    documents,
    filled,
    fit_estimator,
    log_ignored_options,
    require_target_column,
    text_bundle,
)
from loom.training.text_encoding import is_text_column, resolve_text_column

TEXT_TASKS: frozenset[Task] = frozenset({Task.TOPIC_MODELING, Task.SEQUENCE_LABELING})
DOCUMENT_TOPIC_ROWS = 50


@dataclass
class _Run:
    """One text training call: what to fit, how to log, the time spent fitting."""

    algorithm: Algorithm
    params: BaseModel
    spec: TrainingSpec
    log: Callable[[str], None]
    fit_seconds: float = 0.0
    on_epoch: EpochCallback | None = None
    should_stop: Callable[[], bool] | None = None

    def fit(self, *data: Sequence[str], stored: bool = False) -> Any:
        """Build and fit a fresh estimator; library warnings become log lines.

        Args:
            data: the training documents (and tags).
            stored: this fit is the model Loom keeps: epoch-trained estimators
                stream their epochs to ``on_epoch`` and honour ``should_stop``
                (held-out and fold fits stay quiet, as in the tabular flows).
        """
        estimator, seconds = fit_estimator(
            self.algorithm,
            self.params,
            self.spec.seed,
            data,
            self.log,
            on_epoch=self.on_epoch if stored else None,
            should_stop=self.should_stop if stored else None,
        )
        self.fit_seconds += seconds
        return estimator

    def log_metrics(self, prefix: str, metrics: dict[str, float]) -> None:
        self.log(prefix + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()))

    def bundle(
        self, df: pd.DataFrame, column: str, estimator: Any, target: str | None
    ) -> ModelBundle:
        """The servable model: the text column's encoder around ``estimator``."""
        return text_bundle(
            self.algorithm,
            self.params,
            column,
            estimator,
            target=target,
            missing_text=bool(df[column].isna().any()),
            labels=list(getattr(estimator, "tags_", [])) or None,
        )


def train_text(
    algorithm: Algorithm,
    params: BaseModel,
    spec: TrainingSpec,
    df: pd.DataFrame,
    log: Callable[[str], None],
    *,
    on_epoch: EpochCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainingOutcome:
    """Train a topic model or a sequence tagger on ``df``; deterministic per seed.

    ``on_epoch``/``should_stop`` reach the stored model's fit (see ``train``).

    Raises:
        InvalidInputError: a bad split setting, not exactly one string feature
            column, a missing or non-string tag column, a sentence whose tag
            count differs from its token count, or text with no usable token.
    """
    spec.check_evaluation()
    log_ignored_options(spec, log, "text tasks")
    run = _Run(algorithm, params, spec, log, on_epoch=on_epoch, should_stop=should_stop)
    log(
        f"training {algorithm.name} ({algorithm.task}) on {len(df)} rows; "
        f"params {params.model_dump()}"
    )
    if algorithm.task == Task.TOPIC_MODELING:
        return _train_topics(run, df)
    return _train_sequences(run, df)


def _holdout(n: int, spec: TrainingSpec, unit: str) -> tuple[list[int], list[int]]:
    from sklearn.model_selection import train_test_split

    try:
        train_idx, test_idx = train_test_split(
            np.arange(n), test_size=spec.test_size, random_state=spec.seed
        )
    except ValueError as exc:
        raise InvalidInputError(
            f"cannot split {n} {unit} with test_size={spec.test_size}: {exc}"
        ) from None
    return train_idx.tolist(), test_idx.tolist()


def _pick(items: Sequence[Any], indices: Sequence[int]) -> list[Any]:
    return [items[i] for i in indices]


# -- topic modelling ----------------------------------------------------------------


def _train_topics(run: _Run, df: pd.DataFrame) -> TrainingOutcome:
    """Held-out perplexity, then a model refit on every document for keeping.

    Perplexity (``2 ** -bound`` per word) is measured by a model fitted on
    ``1 - test_size`` of the documents and scored on the rest; the stored model
    is then refit on ALL documents, so ``n_train`` counts every document and
    coherence, topics and ``train_metrics`` describe that stored model.
    """
    spec, name = run.spec, run.algorithm.name
    if spec.target:
        run.log(f"target '{spec.target}' is ignored: topic models read only text")
    if spec.cv_folds:
        run.log("cv_folds is ignored for topic models: perplexity uses a holdout")
    column = resolve_text_column(df, spec.features, spec.target, name)
    keep, texts = documents(df, column, name, run.log)
    train_idx, test_idx = _holdout(len(texts), spec, "documents")
    run.log(f"holdout: fitting {len(train_idx)} documents, scoring {len(test_idx)}")
    held_out = run.fit(_pick(texts, train_idx))
    metrics: dict[str, float] = {}
    perplexity = held_out.perplexity(_pick(texts, test_idx))
    if perplexity is None or not math.isfinite(perplexity):
        run.log("held-out documents share no word with the vocabulary: no perplexity")
    else:
        metrics["perplexity"] = perplexity
    run.log(f"refitting on all {len(texts)} documents")
    model = run.fit(texts, stored=True)
    for measure in ("u_mass", "c_v"):
        value = model.coherence(texts, measure)
        if math.isfinite(value):
            metrics[f"coherence_{measure}"] = value
    run.log_metrics("metrics: ", metrics)
    details = _topic_details(model, texts, keep[:DOCUMENT_TOPIC_ROWS].tolist())
    return TrainingOutcome(
        metrics=metrics,
        cv_metrics=None,
        details=details,
        plots={},
        bundle=run.bundle(df, column, model, None),
        n_train=len(texts),
        n_test=len(test_idx),
        fit_duration_s=run.fit_seconds,
    )


def _topic_details(model: Any, texts: list[str], rows: list[int]) -> dict[str, Any]:
    """Topics, the first documents' mixtures (``row``: 0-based table position)."""
    mixtures = model.predict_proba(texts[: len(rows)])
    trained_on = model.perplexity(texts)
    return {
        "evaluated_on": "holdout",
        "topics": model.topics(),
        "document_topics": [
            {"row": row, "topics": {str(k): float(p) for k, p in enumerate(mix)}}
            for row, mix in zip(rows, mixtures.tolist(), strict=True)
        ],
        "train_metrics": {} if trained_on is None else {"perplexity": trained_on},
        "notes": [
            "perplexity is measured on held-out documents by a model fitted on the "
            "others; the stored model, its topics and coherence use all documents"
        ],
    }


# -- sequence labelling ------------------------------------------------------------


@dataclass
class _Sentences:
    """Tagged sentences: normalised token/tag strings and the gold tag lists."""

    texts: list[str]
    tag_texts: list[str]
    gold: list[list[str]]


def _read_sentences(run: _Run, df: pd.DataFrame) -> tuple[str, _Sentences]:
    spec, name = run.spec, run.algorithm.name
    target = spec.target
    if not target:
        raise InvalidInputError(
            f"algorithm '{name}' (sequence_labeling) needs a target column of "
            "space-separated tags"
        )
    require_target_column(df, target)
    if not is_text_column(df[target]):
        raise InvalidInputError(
            f"target column '{target}' must hold space-separated tags (strings); "
            f"got {df[target].dtype}"
        )
    column = resolve_text_column(df, spec.features, target, name)
    keep = np.intersect1d(filled(df[column]), filled(df[target]))
    if len(keep) < len(df):
        run.log(f"dropped {len(df) - len(keep)} rows with empty '{column}' or tags")
    tokens, tags = split_tagged(
        [str(v) for v in df[column].iloc[keep]],
        [str(v) for v in df[target].iloc[keep]],
        rows=(keep + 1).tolist(),
    )
    if len(tokens) < 2:
        raise InvalidInputError(f"{name} needs at least 2 sentences; got {len(tokens)}")
    n_tags = len({t for row in tags for t in row})
    run.log(f"{len(tokens)} sentences, {sum(map(len, tokens))} tokens, {n_tags} tags")
    data = _Sentences([" ".join(t) for t in tokens], [" ".join(t) for t in tags], tags)
    return column, data


def _train_sequences(run: _Run, df: pd.DataFrame) -> TrainingOutcome:
    """Holdout or K-fold over sentences, as ``fitting`` does for tabular rows.

    With a holdout the stored model is the one fitted on the training split;
    with cross-validation it is refit on every sentence.
    """
    column, data = _read_sentences(run, df)
    entity_tags = str(getattr(run.params, "entity_tags", "nr,ns,nt"))
    cv_metrics: dict[str, list[float]] | None = None
    if run.spec.cv_folds:
        metrics, cv_metrics, details = _cross_validate(run, data, entity_tags)
        train_idx, n_test = list(range(len(data.texts))), len(data.texts)
        run.log(f"refitting on all {len(train_idx)} sentences")
        model = run.fit(data.texts, data.tag_texts, stored=True)
    else:
        model, metrics, details, train_idx, n_test = _holdout_sequences(
            run, data, entity_tags
        )
    details["train_metrics"] = sequence_metrics.evaluate(
        _pick(data.gold, train_idx),
        model.predict(_pick(data.texts, train_idx)),
        entity_tags,
    )[0]
    report, _ = run.algorithm.report(model, data.texts, data.tag_texts, [column])
    if report:  # e.g. a neural tagger's layers and epoch history
        details["report"] = report
    return TrainingOutcome(
        metrics=metrics,
        cv_metrics=cv_metrics,
        details=details,
        plots={},
        bundle=run.bundle(df, column, model, run.spec.target),
        n_train=len(train_idx),
        n_test=n_test,
        fit_duration_s=run.fit_seconds,
    )


def _holdout_sequences(
    run: _Run, data: _Sentences, entity_tags: str
) -> tuple[Any, dict[str, float], dict[str, Any], list[int], int]:
    """Fit on the training split and score the test split (the model is kept)."""
    train_idx, test_idx = _holdout(len(data.texts), run.spec, "sentences")
    run.log(f"holdout split: {len(train_idx)} train / {len(test_idx)} test sentences")
    model = run.fit(
        _pick(data.texts, train_idx), _pick(data.tag_texts, train_idx), stored=True
    )
    predicted = model.predict(_pick(data.texts, test_idx))
    metrics, details = sequence_metrics.evaluate(
        _pick(data.gold, test_idx), predicted, entity_tags
    )
    details["evaluated_on"] = "holdout"
    run.log_metrics("test metrics: ", metrics)
    return model, metrics, details, train_idx, len(test_idx)


def _cross_validate(
    run: _Run, data: _Sentences, entity_tags: str
) -> tuple[dict[str, float], dict[str, list[float]], dict[str, Any]]:
    """Fold metrics, their means, and details from the pooled out-of-fold tags."""
    from sklearn.model_selection import KFold

    k, n = run.spec.cv_folds, len(data.texts)
    assert k is not None
    if n < k:
        raise InvalidInputError(f"cv_folds={k} needs at least {k} sentences; got {n}")
    splitter = KFold(n_splits=k, shuffle=True, random_state=run.spec.seed)
    pooled: list[list[str]] = [[] for _ in range(n)]
    folds: list[dict[str, float]] = []
    for number, (train_idx, test_idx) in enumerate(splitter.split(data.texts), 1):
        model = run.fit(_pick(data.texts, train_idx), _pick(data.tag_texts, train_idx))
        predicted = model.predict(_pick(data.texts, test_idx))
        for i, tags in zip(test_idx, predicted, strict=True):
            pooled[i] = tags
        gold = _pick(data.gold, test_idx)
        folds.append(sequence_metrics.evaluate(gold, predicted, entity_tags)[0])
        run.log_metrics(f"fold {number}/{k}: ", folds[-1])
    cv_metrics, metrics = fold_means(folds)
    run.log_metrics(f"mean over {k} folds: ", metrics)
    _, details = sequence_metrics.evaluate(data.gold, pooled, entity_tags)
    details["evaluated_on"] = "cross_validation"
    return metrics, cv_metrics, details
