"""``ModelBundle``: a fitted model with everything needed to score raw rows."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from loom.algorithms.base import Task
from loom.algorithms.registry import get_algorithm
from loom.core.errors import InvalidInputError
from loom.training.encoding import TabularEncoder
from loom.training.preprocess import FeatureTransform
from loom.training.text_encoding import KIND as TEXT_KIND
from loom.training.text_encoding import TextColumnEncoder

if TYPE_CHECKING:
    import pyarrow as pa

    from loom.pipelines.fitted import FittedPipeline

BUNDLE_FILE = "bundle.json"
FORMAT_VERSION = 1
# Written only by bundles with a pipeline in front: a Loom that predates
# pipelines refuses them instead of silently scoring raw rows as features.
PIPELINE_FORMAT_VERSION = 2
# Operators that drop, merge or multiply rows: a served model answers one
# prediction per request record, so a pipeline holding one cannot go in front.
ROW_CHANGING_OPS = frozenset({"filter", "aggregate", "join"})
# Operators whose row behaviour depends on user code: checked by running them.
_FREE_OPS = ("sql", "python")


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
        preprocess: the fitted feature pipeline that produced the training
            table (None: records carry the encoder's columns directly). When
            set, records are raw source rows: the pipeline runs first, with
            the target column null, and its output feeds the encoder.
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
        preprocess: FittedPipeline | None = None,
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
        self.attach_preprocess(preprocess)
        # Precomputed once so the serving hot path only indexes lists. The
        # estimator's classes_ are codes into labels; a class absent from the
        # training rows simply never appears in its output.
        labels_in = self.labels or []
        codes = getattr(estimator, "classes_", None) if labels_in else None
        codes = [] if codes is None else codes
        self._out_labels = [labels_in[int(c)] for c in codes]
        self._out_keys = [str(v) for v in self._out_labels]

    def attach_preprocess(self, pipeline: FittedPipeline | None) -> None:
        """Put a fitted pipeline in front of the encoder (None removes it).

        Call ``check_servable`` first: this only records the pipeline.
        """
        self.preprocess = pipeline
        self._raw_columns = (
            raw_columns(pipeline, self.target) if pipeline is not None else []
        )
        self._raw_names = frozenset(c["name"] for c in self._raw_columns)

    def __repr__(self) -> str:
        return f"<ModelBundle {self.algorithm} ({self.task}) target={self.target!r}>"

    @property
    def input_schema(self) -> list[dict[str, Any]]:
        """The columns a prediction record carries (see ``TabularEncoder``).

        With a pipeline in front these are its raw source columns minus the
        target, with ``categories`` where a one-hot/ordinal encoder learned them.
        """
        if self.preprocess is None:
            return self.encoder.input_schema
        return raw_input_schema(self.preprocess, self._raw_columns)

    # -- scoring -----------------------------------------------------------------

    def predict_records(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Score JSON records (the online-serving hot path).

        Without a pipeline the encoder builds the matrix straight from the
        dicts. With one, records are raw source rows: absent columns and the
        target are null, the pipeline runs on them in DuckDB, and its output
        is encoded exactly as the training table was.

        Returns:
            ``{"predictions": [...], "probabilities": [{label: p}, ...] | None}``;
            predictions are original labels, floats or cluster ids.

        Raises:
            InvalidInputError: a record with a missing, unknown or mistyped column.
        """
        if self.preprocess is None:
            X = self.encoder.transform_records(records)
        else:
            X = self._through_pipeline(self._raw_table(records))
        predictions, probabilities = self._predict(X)
        return {"predictions": predictions, "probabilities": probabilities}

    def predict_frame(
        self, df: pd.DataFrame, *, preprocessed: bool = False
    ) -> tuple[list[Any], list[dict[str, float]] | None]:
        """Score a DataFrame for batch prediction (extra columns are ignored).

        Args:
            df: raw rows; with a pipeline in front, a target column in ``df``
                is ignored (set to null) so it cannot leak into the features.
            preprocessed: the rows are already the pipeline's output (a
                dataset the pipeline wrote): skip the pipeline.

        Returns:
            ``(predictions, probabilities)`` as in ``predict_records``.
        """
        if self.preprocess is None or preprocessed:
            return self._predict(self.encoder.transform_frame(df))
        import pyarrow as pa

        keep = [c for c in df.columns if c in self._raw_names]
        table = pa.Table.from_pandas(df[keep], preserve_index=False)
        return self._predict(self._through_pipeline(table))

    def _raw_table(self, records: Sequence[Mapping[str, Any]]) -> pa.Table:
        """Raw JSON records as Arrow; absent columns are null, unknown ones refused."""
        from loom.pipelines.fitted import records_table

        allowed = self._raw_names | {self.target}
        for i, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise InvalidInputError(
                    f"record {i}: expected an object of column values; "
                    f"got {type(record).__name__}"
                )
            extra = sorted(str(k) for k in record if k not in allowed)
            if extra:
                raise InvalidInputError(
                    f"record {i}: unknown column{'s' if len(extra) > 1 else ''} "
                    f"{', '.join(repr(e) for e in extra)}; expected: "
                    f"{', '.join(c['name'] for c in self._raw_columns)}"
                )
        return records_table(records, self._raw_columns)

    def _through_pipeline(self, table: pa.Table) -> Any:
        """Run the fitted pipeline on raw rows and encode its output."""
        assert self.preprocess is not None
        out = self.preprocess.transform_table(table)
        if out.num_rows != table.num_rows:
            raise InvalidInputError(
                f"pipeline '{self.preprocess.name}' returned {out.num_rows} rows "
                f"for {table.num_rows} records; a served model needs "
                "row-preserving steps"
            )
        # The same Arrow → pandas conversion training used on the Parquet
        # output, so online features equal the offline ones bit for bit.
        return self.encoder.transform_frame(out.to_pandas())

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
        if self.task == Task.EMBEDDING:  # X: texts; one vector per text
            vectors = np.asarray(self.estimator.embed(X), dtype=np.float32)
            return vectors.tolist(), None
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
            "format_version": (
                PIPELINE_FORMAT_VERSION if self.preprocess else FORMAT_VERSION
            ),
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
            "preprocess": self.preprocess.to_dict() if self.preprocess else None,
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
        if meta.get("format_version") not in (FORMAT_VERSION, PIPELINE_FORMAT_VERSION):
            raise ValueError(
                f"unsupported bundle format {meta.get('format_version')!r}"
            )
        estimator = get_algorithm(meta["algorithm"]).load_estimator(directory)
        # A loaded bundle serves predictions, mostly a few rows at a time: a thread
        # pool per call costs more than it saves there (a forest scoring one row
        # takes ~15 ms on 2 threads and ~3 ms on 1), and the server is already
        # concurrent across requests.
        # (Not every estimator is a scikit-learn one: statsmodels wrappers have
        # no get_params.)
        get_params = getattr(estimator, "get_params", None)
        if get_params is not None and "n_jobs" in get_params(deep=False):
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
            preprocess=_preprocess_from_dict(meta.get("preprocess")),
        )


def _encoder_from_dict(state: Mapping[str, Any]) -> TabularEncoder | TextColumnEncoder:
    """The encoder class named by ``kind`` (tabular when absent: older bundles)."""
    if state.get("kind") == TEXT_KIND:
        return TextColumnEncoder.from_dict(state)
    return TabularEncoder.from_dict(state)


def _preprocess_from_dict(state: Mapping[str, Any] | None) -> FittedPipeline | None:
    """The bundle's fitted pipeline (None for bundles trained without one)."""
    if not state:
        return None
    from loom.pipelines.fitted import FittedPipeline

    return FittedPipeline.from_dict(state)


def raw_columns(pipeline: FittedPipeline, target: str | None) -> list[dict[str, str]]:
    """The pipeline's source columns minus the target: what a raw record holds.

    Raises:
        InvalidInputError: the pipeline has several sources.
    """
    return [c for c in pipeline.input_schema if c["name"] != target]


def raw_input_schema(
    pipeline: FittedPipeline, columns: list[dict[str, str]]
) -> list[dict[str, Any]]:
    """Endpoint-facing schema of raw records: every column nullable.

    A column a one-hot or ordinal ``encode`` node learned categories for lists
    them, so forms can offer a choice (a renamed column simply gets none).
    """
    learned: dict[str, list[str]] = {}
    for node in pipeline.nodes:
        if node.op == "encode" and node.params.get("method") in ("one_hot", "ordinal"):
            for name, values in ((node.state or {}).get("categories") or {}).items():
                learned.setdefault(name, list(values))
    schema = []
    for column in columns:
        entry: dict[str, Any] = {**column, "nullable": True}
        if column["type"] == "string" and column["name"] in learned:
            entry["categories"] = learned[column["name"]]
        schema.append(entry)
    return schema


def check_servable(pipeline: FittedPipeline, target: str | None) -> None:
    """Refuse a pipeline that cannot sit in front of an endpoint.

    Online scoring answers one prediction per record, so every step must keep
    rows one-for-one; and request rows carry no target, so the pipeline must
    run with the target null. Known row-changing operators are refused by
    name; then one all-null raw row is pushed through, which catches a
    ``sql``/``python`` node that drops rows or an operator needing the target.

    Raises:
        InvalidInputError: naming the node that blocks serving.
    """
    from loom.pipelines.fitted import records_table

    for node in pipeline.nodes:
        if node.op in ROW_CHANGING_OPS:
            raise InvalidInputError(
                f"node '{node.id}' ({node.op}) changes the row count; a served "
                "model needs row-preserving steps"
            )
    try:
        table = records_table([{}], raw_columns(pipeline, target))
        out = pipeline.transform_table(table)
    except InvalidInputError as exc:
        raise InvalidInputError(
            f"pipeline '{pipeline.name}' cannot score a raw row without the target "
            f"'{target}': {exc.message}"
        ) from None
    if out.num_rows != 1:
        free = [f"'{n.id}' ({n.op})" for n in pipeline.nodes if n.op in _FREE_OPS]
        hint = f" (check node {', '.join(free)})" if free else ""
        raise InvalidInputError(
            f"pipeline '{pipeline.name}' returned {out.num_rows} rows for 1 raw row; "
            f"a served model needs row-preserving steps{hint}"
        )
