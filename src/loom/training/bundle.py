"""``ModelBundle``: a fitted model with everything needed to score raw rows."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loom.algorithms.base import Task
from loom.algorithms.registry import get_algorithm
from loom.training.encoding import TabularEncoder
from loom.training.preprocess import FeatureTransform
from loom.training.text_encoding import KIND as TEXT_KIND
from loom.training.text_encoding import TextColumnEncoder

BUNDLE_FILE = "bundle.json"
FORMAT_VERSION = 1


def json_safe(value: Any) -> Any:
    """A label as a plain JSON value (NumPy scalars become Python ones)."""
    return value.item() if isinstance(value, np.generic) else value


class ModelBundle:
    """Algorithm + encoder + fitted estimator + labels, saved as one directory.

    Classification estimators are trained on class *codes* ``0..K-1``; ``labels``
    holds the original label values (sorted, JSON-safe) that the codes index,
    so predictions come back in the user's vocabulary.

    Args:
        algorithm: catalog name of the algorithm.
        task: what the model predicts.
        target: target column (None for clustering).
        features: input columns, in order.
        encoder: the fitted ``TabularEncoder`` (``TextColumnEncoder`` for text
            tasks: the estimator then takes the raw strings).
        estimator: the fitted estimator ``algorithm.build`` returned.
        labels: original class labels (classification only).
        params: the validated algorithm parameters, for the record.
        transform: fitted feature selection / standardisation, applied after
            the encoder.
        threshold: a tuned binary decision threshold on the positive class's
            probability (None: the most probable class wins).
    """

    def __init__(
        self,
        *,
        algorithm: str,
        task: Task,
        target: str | None,
        features: list[str],
        encoder: TabularEncoder | TextColumnEncoder,
        estimator: Any,
        labels: list[Any] | None = None,
        params: dict[str, Any] | None = None,
        transform: FeatureTransform | None = None,
        threshold: float | None = None,
    ) -> None:
        self.algorithm = algorithm
        self.task = Task(task)
        self.target = target
        self.features = list(features)
        self.encoder = encoder
        self.estimator = estimator
        self.labels = [json_safe(v) for v in labels] if labels is not None else None
        self.params = dict(params or {})
        self.transform = transform
        self.threshold = threshold
        # Precomputed once so the serving hot path only indexes lists. The
        # estimator's classes_ are codes into labels; a class absent from the
        # training rows simply never appears in its output.
        labels_in = self.labels or []
        codes = getattr(estimator, "classes_", None) if labels_in else None
        codes = [] if codes is None else codes
        self._out_labels = [labels_in[int(c)] for c in codes]
        self._out_keys = [str(v) for v in self._out_labels]

    def __repr__(self) -> str:
        return f"<ModelBundle {self.algorithm} ({self.task}) target={self.target!r}>"

    @property
    def input_schema(self) -> list[dict[str, Any]]:
        """The columns a prediction record must carry (see ``TabularEncoder``)."""
        return self.encoder.input_schema

    # -- scoring -----------------------------------------------------------------

    def predict_records(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Score JSON records (the online-serving hot path; no DataFrame).

        Returns:
            ``{"predictions": [...], "probabilities": [{label: p}, ...] | None}``;
            predictions are original labels, floats or cluster ids.

        Raises:
            InvalidInputError: a record with a missing, unknown or mistyped column.
        """
        predictions, probabilities = self._predict(
            self.encoder.transform_records(records)
        )
        return {"predictions": predictions, "probabilities": probabilities}

    def predict_frame(
        self, df: pd.DataFrame
    ) -> tuple[list[Any], list[dict[str, float]] | None]:
        """Score a DataFrame for batch prediction (extra columns are ignored).

        Returns:
            ``(predictions, probabilities)`` as in ``predict_records``.
        """
        return self._predict(self.encoder.transform_frame(df))

    def _predict(self, X: Any) -> tuple[list[Any], list[dict[str, float]] | None]:
        if len(X) == 0:
            with_proba = self.task in (Task.CLASSIFICATION, Task.TOPIC_MODELING)
            return [], ([] if with_proba else None)
        if self.task == Task.TOPIC_MODELING:  # X: documents; dominant topic + mixture
            mixture = self.estimator.predict_proba(X)
            keys = [str(k) for k in range(mixture.shape[1])]
            return [int(k) for k in mixture.argmax(axis=1).tolist()], [
                dict(zip(keys, row, strict=True)) for row in mixture.tolist()
            ]
        if self.task == Task.SEQUENCE_LABELING:  # X: sentences; one tag per token
            return [list(tags) for tags in self.estimator.predict(X)], None
        if self.transform is not None:
            X = self.transform.apply(X)
        if self.task == Task.CLASSIFICATION:
            proba = self.estimator.predict_proba(X)
            labels, keys = self._out_labels, self._out_keys
            if self.threshold is not None and proba.shape[1] == 2:
                chosen = (proba[:, 1] >= self.threshold).astype(int).tolist()
            else:
                chosen = proba.argmax(axis=1).tolist()
            predictions = [labels[k] for k in chosen]
            probabilities = [
                dict(zip(keys, row, strict=True)) for row in proba.tolist()
            ]
            return predictions, probabilities
        output = self.estimator.predict(X)
        if self.task == Task.CLUSTERING:
            return [int(v) for v in output.tolist()], None
        return [float(v) for v in np.ravel(output).tolist()], None

    # -- persistence ---------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write ``bundle.json`` and the estimator files into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        get_algorithm(self.algorithm).save_estimator(self.estimator, directory)
        meta = {
            "format_version": FORMAT_VERSION,
            "algorithm": self.algorithm,
            "task": str(self.task),
            "target": self.target,
            "features": self.features,
            "labels": self.labels,
            "params": self.params,
            "input_schema": self.input_schema,
            "feature_names_out": self.encoder.feature_names_out,
            "encoder": self.encoder.to_dict(),
            "transform": self.transform.to_dict() if self.transform else None,
            "threshold": self.threshold,
        }
        (directory / BUNDLE_FILE).write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, directory: Path) -> ModelBundle:
        """Read a bundle that ``save`` wrote (Loom-written directories only).

        Raises:
            ValueError: the bundle was written by a newer, unknown format.
        """
        directory = Path(directory)
        meta = json.loads((directory / BUNDLE_FILE).read_text())
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"unsupported bundle format {meta.get('format_version')!r}"
            )
        estimator = get_algorithm(meta["algorithm"]).load_estimator(directory)
        # A loaded bundle serves predictions, mostly a few rows at a time: a thread
        # pool per call costs more than it saves there (a forest scoring one row
        # takes ~15 ms on 2 threads and ~3 ms on 1), and the server is already
        # concurrent across requests.
        if "n_jobs" in estimator.get_params(deep=False):
            estimator.set_params(n_jobs=1)
        return cls(
            algorithm=meta["algorithm"],
            task=Task(meta["task"]),
            target=meta["target"],
            features=meta["features"],
            encoder=_encoder_from_dict(meta["encoder"]),
            estimator=estimator,
            labels=meta["labels"],
            params=meta["params"],
            transform=(
                FeatureTransform.from_dict(meta["transform"])
                if meta.get("transform")
                else None
            ),
            threshold=meta.get("threshold"),
        )


def _encoder_from_dict(state: Mapping[str, Any]) -> TabularEncoder | TextColumnEncoder:
    """The encoder class named by ``kind`` (tabular when absent: older bundles)."""
    if state.get("kind") == TEXT_KIND:
        return TextColumnEncoder.from_dict(state)
    return TabularEncoder.from_dict(state)
