"""Build ``AdviceInput`` from real fits of catalog algorithms on real tables.

Mirrors what training hands the advice engine (encoded matrix, class codes,
held-out or cross-validated metrics, training-row metrics, the algorithm's
report) without going through ``fitting.train``, which is being refactored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from loom.advice import AdviceInput
from loom.algorithms.registry import get_algorithm, validate_params
from loom.training.encoding import TabularEncoder
from loom.training.evaluation import classification_metrics, regression_metrics
from loom.training.options import TrainingOptions

SEED = 42


class _Fit:
    """One algorithm, its validated params and the encoded table it is fitted to."""

    def __init__(self, name: str, params: dict[str, Any], X: np.ndarray) -> None:
        self.algorithm = get_algorithm(name)
        self.params = validate_params(name, params)
        self.X = X

    def fit(self, rows: np.ndarray, y: np.ndarray, names: list[str]) -> Any:
        estimator = self.algorithm.build(self.params, SEED)
        self.algorithm.bind_features(estimator, names)
        return estimator.fit(self.X[rows], y[rows])

    def score(
        self, estimator: Any, rows: np.ndarray, y: np.ndarray
    ) -> dict[str, float]:
        if self.algorithm.task == "classification":
            return classification_metrics(
                y[rows], estimator.predict_proba(self.X[rows])
            )
        return regression_metrics(y[rows], estimator.predict(self.X[rows]))


def supervised_input(
    frame: pd.DataFrame,
    target: str,
    algorithm: str,
    *,
    params: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    cv_folds: int | None = None,
    with_report: bool = False,
) -> AdviceInput:
    """Fit ``algorithm`` on ``frame`` and collect what training would pass on.

    Holdout (25%, stratified for classes) unless ``cv_folds`` is given; the
    training metrics and the report (only with ``with_report``: the trees
    draw PNGs, which is slow) come from the model fitted on the training rows,
    as for the model Loom stores.
    """
    features = [c for c in frame.columns if c != target]
    fit = _Fit(algorithm, params or {}, np.empty((0, 0)))
    encoder = TabularEncoder(impute=not fit.algorithm.handles_missing)
    encoder.fit(frame, features)
    X, names = encoder.transform_frame(frame), encoder.feature_names_out
    fit.X = X
    is_classifier = fit.algorithm.task == "classification"
    labels: list[Any] | None = None
    if is_classifier:
        labels = sorted(frame[target].unique().tolist())
        y = frame[target].map({v: i for i, v in enumerate(labels)}).to_numpy(np.int64)
    else:
        y = frame[target].to_numpy(np.float64)
    rows = np.arange(len(frame))
    cv_metrics: dict[str, list[float]] | None = None
    if cv_folds:
        splitter = (StratifiedKFold if is_classifier else KFold)(
            cv_folds, shuffle=True, random_state=SEED
        )
        folds = [
            fit.score(fit.fit(train, y, names), test, y)
            for train, test in splitter.split(X, y)
        ]
        cv_metrics = {k: [fold[k] for fold in folds] for k in folds[0]}
        metrics = {k: float(np.mean(v)) for k, v in cv_metrics.items()}
        train_rows = rows
    else:
        train_rows, test_rows = train_test_split(
            rows,
            test_size=0.25,
            random_state=SEED,
            stratify=y if is_classifier else None,
        )
    model = fit.fit(train_rows, y, names)
    if not cv_folds:
        metrics = fit.score(model, test_rows, y)
    report: dict[str, Any] = {}
    if with_report:
        report, _ = fit.algorithm.report(model, X[train_rows], y[train_rows], names)
    return AdviceInput(
        task=fit.algorithm.task.value,
        algorithm=algorithm,
        scale_sensitive=fit.algorithm.scale_sensitive,
        frame=frame,
        features=features,
        target=target,
        y=y,
        labels=labels,
        X=X,
        feature_names=names,
        metrics=metrics,
        train_metrics=fit.score(model, train_rows, y),
        cv_metrics=cv_metrics,
        report=report or None,
        options=TrainingOptions(**(options or {})).model_dump(mode="json"),
        params=params or {},
    )


def codes(findings: list[Any]) -> list[str]:
    """The codes of ``advise``' findings, in order."""
    return [f.code for f in findings]


def only(findings: list[Any], code: str) -> Any:
    """The single finding with ``code``; fails the test when there is not one."""
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, f"expected one {code!r} finding, got {matching}"
    return matching[0]


def clustering_input(
    frame: pd.DataFrame,
    algorithm: str,
    *,
    params: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
) -> AdviceInput:
    """Fit a clustering ``algorithm`` on every row of ``frame``, as training does."""
    from loom.training.evaluation import clustering_metrics

    features = list(frame.columns)
    encoder = TabularEncoder().fit(frame, features)
    X = encoder.transform_frame(frame)
    fit = _Fit(algorithm, params or {}, X)
    clusters = fit.fit(np.arange(len(frame)), np.zeros(len(frame)), features)
    return AdviceInput(
        task="clustering",
        algorithm=algorithm,
        scale_sensitive=fit.algorithm.scale_sensitive,
        frame=frame,
        features=features,
        target=None,
        y=None,
        labels=None,
        X=X,
        feature_names=encoder.feature_names_out,
        metrics=clustering_metrics(X, clusters.predict(X), SEED),
        train_metrics={},
        cv_metrics=None,
        report=None,
        options=TrainingOptions(**(options or {})).model_dump(mode="json"),
        params=params or {},
    )
