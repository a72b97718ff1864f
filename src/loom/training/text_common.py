"""Pieces the three raw-text flows share: usable rows, one logged fit, the bundle.

Topic models and taggers (``text_flows``), text classifiers
(``text_classification``) and embeddings (``embedding_flow``) each read one
string column; routing them through these helpers keeps their row filtering,
fit logging and bundles identical instead of three copies drifting apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from loom.algorithms.base import Algorithm
from loom.core.errors import InvalidInputError
from loom.training.bundle import ModelBundle
from loom.training.pipeline import attach_hooks, warnings_logged
from loom.training.spec import TrainingSpec
from loom.training.text_encoding import TextColumnEncoder

EpochCallback = Callable[[int, dict[str, float]], None]


def log_ignored_options(
    spec: TrainingSpec, log: Callable[[str], None], who: str
) -> None:
    """Say which tabular ``TrainingOptions`` were set but mean nothing to ``who``."""
    options = spec.options.non_defaults()
    if options:
        log(f"training options {options} do not apply to {who}; ignored")


def require_target_column(df: pd.DataFrame, target: str) -> None:
    """Raise ``InvalidInputError`` listing the columns when ``target`` is absent."""
    if target not in df.columns:
        raise InvalidInputError(
            f"target column '{target}' not found; "
            f"columns are: {', '.join(map(str, df.columns))}"
        )


def has_text(series: pd.Series) -> np.ndarray:
    """Boolean mask of the rows holding non-blank text."""
    values = series.astype(object)
    return np.array([isinstance(v, str) and bool(v.strip()) for v in values], bool)


def filled(series: pd.Series) -> np.ndarray:
    """Positions of rows holding non-blank text."""
    return np.flatnonzero(has_text(series))


def documents(
    df: pd.DataFrame, column: str, name: str, log: Callable[[str], None]
) -> tuple[np.ndarray, list[str]]:
    """Positions and text of the rows of ``column`` holding non-blank text.

    Raises:
        InvalidInputError: fewer than 2 such documents.
    """
    keep = filled(df[column])
    if len(keep) < len(df):
        log(f"dropped {len(df) - len(keep)} rows with empty '{column}'")
    texts = [str(v) for v in df[column].iloc[keep]]
    if len(texts) < 2:
        raise InvalidInputError(f"{name} needs at least 2 documents; got {len(texts)}")
    return keep, texts


def fit_estimator(
    algorithm: Algorithm,
    params: BaseModel,
    seed: int,
    data: Sequence[Any],
    log: Callable[[str], None],
    *,
    on_epoch: EpochCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[Any, float]:
    """A fresh estimator fitted on ``data`` (documents, and labels or tags).

    Library warnings become log lines. ``on_epoch``/``should_stop`` are handed
    only to the stored model's fit (held-out and fold fits pass neither), so
    the run's epoch stream describes the model Loom keeps.

    Returns:
        The fitted estimator and the seconds its ``fit`` took.
    """
    estimator = algorithm.build(params, seed)
    attach_hooks(estimator, on_epoch, should_stop)
    started = time.perf_counter()
    with warnings_logged(log):
        estimator.fit(*data)
    return estimator, time.perf_counter() - started


def text_bundle(
    algorithm: Algorithm,
    params: BaseModel,
    column: str,
    estimator: Any,
    *,
    target: str | None,
    missing_text: bool,
    labels: list[Any] | None = None,
) -> ModelBundle:
    """The servable model: raw text of ``column`` in, the estimator's answer out."""
    encoder = TextColumnEncoder(column)
    encoder.missing_in_training = missing_text
    return ModelBundle(
        algorithm=algorithm.name,
        task=algorithm.task,
        target=target,
        features=[column],
        encoder=encoder,
        estimator=estimator,
        labels=labels,
        params=params.model_dump(mode="json"),
    )
