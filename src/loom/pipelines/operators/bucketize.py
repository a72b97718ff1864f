"""Bucketising numbers: fixed edges, quantile edges, or a tree's split thresholds.

The tree method is the platform notes' "GBDT as a bucketing tool": fit a small
decision tree (or gradient-boosted trees) of the target on one column, and use
its split thresholds as bucket edges, so buckets separate the target well.
Whatever the method, the state is a sorted list of edges per column and the
bucket of ``x`` is the number of edges below it, a SQL ``list_filter``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from loom.core.errors import InvalidInputError
from loom.pipelines.operators import register
from loom.pipelines.operators._checks import fresh, need, need_numeric
from loom.pipelines.operators._sql import ident, literal, star_except
from loom.pipelines.operators.base import (
    Context,
    Frame,
    Operator,
    OperatorParams,
    Query,
)
from loom.pipelines.operators.preprocess import fit_frame
from loom.pipelines.schema import Schema


@register
class Bucketize(Operator):
    """Add ``<col>_bucket`` (0 … number of edges) for each column.

    Fixed and quantile edges are left-closed (``edge <= x`` moves x up a
    bucket, numpy's ``searchsorted(side="right")``); tree edges follow the
    tree's own rule (``x <= threshold`` goes left), so ``edge < x`` moves up.
    """

    name = "bucketize"
    summary = (
        "Bucket numeric columns by fixed edges, quantiles, or a decision tree / GBDT's "
        "splits."
    )
    stateful = True
    in_memory = True  # only the tree method: it fits on a sample in memory

    class Params(OperatorParams):
        method: Literal["fixed", "quantile", "tree", "gbdt"] = Field(
            default="quantile", description="Edge rule."
        )
        columns: list[str] = Field(min_length=1, description="Numeric columns.")
        edges: list[float] | None = Field(
            default=None, description="Fixed: ascending edges."
        )
        n_buckets: int = Field(
            default=4,
            ge=2,
            le=1000,
            description="Quantile/tree: buckets wanted (at most).",
        )
        target: str | None = Field(
            default=None, description="Tree/GBDT: the target column."
        )
        task: Literal["auto", "classification", "regression"] = Field(
            default="auto", description="Tree/GBDT: target kind."
        )
        seed: int = Field(default=0, ge=0, description="Tree/GBDT: random state.")
        drop_original: bool = Field(
            default=False, description="Remove the source columns."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need_numeric(schema, params.columns, "bucketize")
        if params.method == "fixed" and (
            not params.edges or sorted(params.edges) != list(params.edges)
        ):
            raise InvalidInputError(
                "The 'edges' parameter of bucketize must be an ascending list of "
                f"float; got {params.edges!r}."
            )
        if params.method in ("tree", "gbdt"):
            if not params.target:
                raise InvalidInputError(
                    "The 'target' parameter of bucketize must be set for method "
                    f"'{params.method}'; got None."
                )
            need(schema, [params.target])
        base = schema.without(params.columns) if params.drop_original else schema
        return {
            "output": base.replace(
                [(fresh(base, f"{c}_bucket"), "integer") for c in params.columns]
            )
        }

    def fit(
        self, ctx: Context, inputs: dict[str, Frame], params: Any
    ) -> dict[str, Any]:
        frame = fit_frame(inputs)
        table = ident(frame.table)
        edges: dict[str, list[float]] = {}
        if params.method == "fixed":
            edges = {c: [float(e) for e in params.edges] for c in params.columns}
        elif params.method == "quantile":
            qs = ", ".join(
                literal(i / params.n_buckets) for i in range(1, params.n_buckets)
            )
            for c in params.columns:
                row = ctx.rows(
                    f"SELECT quantile_cont({ident(c)}::DOUBLE, [{qs}]) FROM {table}"
                )[0]
                edges[c] = sorted({float(v) for v in row[0] or []})
        else:
            for c in params.columns:
                edges[c] = _tree_edges(ctx, frame, c, params)
        ctx.log(f"bucket edges: {edges}")
        return {"edges": edges, "strict": params.method in ("tree", "gbdt")}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        op = "<" if state["strict"] else "<="
        new = []
        for c, edges in state["edges"].items():
            values = ", ".join(literal(float(e)) for e in edges)
            new.append(
                f"CASE WHEN {ident(c)} IS NULL THEN NULL ELSE "
                f"len(list_filter([{values}]::DOUBLE[], lambda e: e {op} "
                f"{ident(c)}::DOUBLE)) END::BIGINT "
                f"AS {ident(c + '_bucket')}"
            )
        star = star_except(params.columns if params.drop_original else [])
        return {
            "output": Query(
                f"SELECT {', '.join([star, *new])} FROM {ident(inputs['input'].table)}"
            )
        }


def _tree_edges(ctx: Context, frame: Frame, column: str, params: Any) -> list[float]:
    """Split thresholds of a tree (or boosted trees) fitted on this one column."""
    table = ctx.fetch(frame, [column, params.target], limit=ctx.sample_rows)
    x = table.column(column).to_numpy(zero_copy_only=False).astype(np.float64)
    y_raw = table.column(params.target).to_pylist()
    keep = ~np.isnan(x) & np.array([v is not None for v in y_raw], dtype=bool)
    x = x[keep].reshape(-1, 1)
    y = [v for v, k in zip(y_raw, keep, strict=True) if k]
    kind = frame.schema.type_of(params.target)
    classify = params.task == "classification" or (
        params.task == "auto" and kind in ("string", "boolean")
    )
    y_arr = np.array([str(v) for v in y]) if classify else np.array(y, dtype=np.float64)
    if len(y_arr) < 2:
        raise InvalidInputError(
            f"bucketize needs rows with both '{column}' and '{params.target}' to fit a "
            "tree"
        )
    thresholds = _thresholds(x, y_arr, classify, params)
    if len(thresholds) > params.n_buckets - 1:
        picks = (
            np.linspace(0, len(thresholds) - 1, params.n_buckets - 1)
            .round()
            .astype(int)
        )
        thresholds = [thresholds[i] for i in sorted(set(picks))]
    return thresholds


def _thresholds(
    x: np.ndarray, y: np.ndarray, classify: bool, params: Any
) -> list[float]:
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if params.method == "tree":
        cls = DecisionTreeClassifier if classify else DecisionTreeRegressor
        trees = [
            cls(
                max_leaf_nodes=params.n_buckets,
                min_samples_leaf=max(1, len(x) // 100),
                random_state=params.seed,
            ).fit(x, y)
        ]
    else:
        gb = GradientBoostingClassifier if classify else GradientBoostingRegressor
        model = gb(n_estimators=20, max_depth=2, random_state=params.seed).fit(x, y)
        trees = list(np.ravel(model.estimators_))
    found = {
        float(t)
        for tree in trees
        for t, f in zip(tree.tree_.threshold, tree.tree_.feature, strict=True)
        if f >= 0
    }
    return sorted(found)
