"""Train/test split and class resampling: operators that decide which rows train.

The split is deterministic without shared random state: each row gets a seeded
hash (of a key column, or of the whole row), rows are ranked by it within each
stratum, and the lowest ``round(n * test_size)`` per stratum go to ``test``. The
same data and seed give the same split on any machine and in any thread count.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from loom.core.errors import InvalidInputError
from loom.pipelines.operators import register
from loom.pipelines.operators._checks import need
from loom.pipelines.operators._sql import ident, literal
from loom.pipelines.operators.base import (
    Context,
    Frame,
    Operator,
    OperatorParams,
    Query,
)
from loom.pipelines.schema import DUCKDB_TYPES, NUMERIC_TYPES, Schema


@register
class Split(Operator):
    """Split rows into ``train`` and ``test``, optionally stratified."""

    name = "split"
    summary = (
        "Split rows into train and test by a seeded hash; optional stratify column."
    )
    outputs = ("train", "test")
    serving_passthrough = True

    class Params(OperatorParams):
        test_size: float = Field(
            default=0.25, ge=0.01, le=0.99, description="Share of rows in test."
        )
        seed: int = Field(default=0, ge=0, description="Seed of the row hash.")
        stratify: str | None = Field(
            default=None, description="Keep this column's class shares in both sides."
        )
        key: str | None = Field(
            default=None,
            description="A row id column to hash (default: the whole row).",
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need(schema, [c for c in (params.stratify, params.key) if c])
        return {"train": schema, "test": schema}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        table = ident(inputs["input"].table)
        if ctx.serving:
            return {
                "train": Query(f"SELECT * FROM {table}"),
                "test": Query(f"SELECT * FROM {table}"),
            }
        hashed = f"s.{ident(params.key)}" if params.key else "s"
        part = f"PARTITION BY s.{ident(params.stratify)} " if params.stratify else ""
        base = (
            f"SELECT s.*, hash({hashed}, {int(params.seed)}) AS __loom_h, "
            f"row_number() OVER ({part}ORDER BY hash({hashed}, {int(params.seed)}), "
            "hash(s)) AS __loom_rank, "
            f"count(*) OVER ({part.strip()}) AS __loom_n FROM {table} AS s"
        )
        cut = f"round(__loom_n * {literal(float(params.test_size))})"
        drop = "EXCLUDE (__loom_h, __loom_rank, __loom_n)"
        return {
            "train": Query(
                f"SELECT * {drop} FROM ({base}) WHERE __loom_rank > {cut} ORDER BY "
                "__loom_h"
            ),
            "test": Query(
                f"SELECT * {drop} FROM ({base}) WHERE __loom_rank <= {cut} ORDER BY "
                "__loom_h"
            ),
        }


@register
class Resample(Operator):
    """Rebalance classes on the training rows with imbalanced-learn.

    In memory (SMOTE needs the rows), and a pass-through in a fitted pipeline:
    request rows are never resampled.
    """

    name = "resample"
    summary = (
        "Balance classes (random over/under-sampling, SMOTE); connect it to train rows "
        "only."
    )
    in_memory = True
    serving_passthrough = True

    class Params(OperatorParams):
        target: str = Field(description="The class column.")
        method: Literal["random_over", "random_under", "smote"] = Field(
            default="random_over", description="Sampler."
        )
        seed: int = Field(default=0, ge=0, description="Random state.")

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need(schema, [params.target])
        if params.method == "smote":
            features = [c for c in schema.columns if c.name != params.target]
            bad = [c for c in features if c.type not in NUMERIC_TYPES]
            if bad:
                raise InvalidInputError(
                    f"column '{bad[0].name}' is {bad[0].type}; SMOTE needs numeric "
                    "features "
                    "(encode it first)",
                    details={"column": bad[0].name},
                )
        return {"output": schema}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        import numpy as np
        import pyarrow as pa

        from loom.training.imbalance import resample

        frame = inputs["input"]
        if ctx.serving:
            return {"output": Query(f"SELECT * FROM {ident(frame.table)}")}
        table = ctx.fetch(frame, frame.schema.names)
        labels_raw = table.column(params.target).to_pylist()
        labels = sorted({v for v in labels_raw if v is not None}, key=str)
        if len(labels) != len(set(labels_raw)):
            raise InvalidInputError(
                f"target column '{params.target}' has missing values; filter or impute "
                "them first"
            )
        code_of = {v: i for i, v in enumerate(labels)}  # list.index is O(classes)
        codes = np.array([code_of[v] for v in labels_raw])
        features = [n for n in frame.schema.names if n != params.target]
        positions = np.arange(len(codes), dtype=np.float64).reshape(-1, 1)
        if params.method == "smote":
            X = np.column_stack(
                [
                    table.column(n).to_numpy(zero_copy_only=False).astype(np.float64)
                    for n in features
                ]
            )
        else:
            X = positions  # random samplers only pick rows: resample row positions
        X_out, y_out = resample(
            X, codes, params.method, params.seed, feature_names=features, labels=labels
        )
        if params.method == "smote":
            arrays: dict[str, Any] = {n: X_out[:, i] for i, n in enumerate(features)}
            arrays[params.target] = [labels[int(c)] for c in y_out]
            out = pa.table({n: arrays[n] for n in frame.schema.names})
        else:
            out = table.take(pa.array(X_out[:, 0].astype(np.int64)))
        ctx.log(f"resampled {len(codes)} rows into {out.num_rows} ({params.method})")
        name = ctx.register(out, "resampled")
        # SMOTE interpolates in floats; cast back so the output keeps the input types.
        cols = ", ".join(
            f"CAST({ident(c.name)} AS {DUCKDB_TYPES[c.type]}) AS {ident(c.name)}"
            for c in frame.schema.columns
        )
        return {"output": Query(f"SELECT {cols} FROM {ident(name)}")}
