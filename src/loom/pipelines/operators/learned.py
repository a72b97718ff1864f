"""Operators fitted in memory on a sample: PCA and feature selection.

Both need the rows as a matrix to fit (an SVD, a model's coefficients), so they
fetch at most ``Context.sample_rows`` rows and say ``in_memory``. Applying the
fit stays SQL: PCA is a dot product per component, selection drops columns.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from loom.core.errors import InvalidInputError
from loom.pipelines.operators import register
from loom.pipelines.operators._checks import default_columns, fresh, need, need_numeric
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


def _matrix(ctx: Context, frame: Frame, columns: list[str], node: str) -> np.ndarray:
    table = ctx.fetch(frame, columns, limit=ctx.sample_rows)
    X = np.column_stack(
        [
            table.column(c).to_numpy(zero_copy_only=False).astype(np.float64)
            for c in columns
        ]
    )
    bad = np.flatnonzero(np.isnan(X).any(axis=0))
    if bad.size:
        raise InvalidInputError(
            f"column '{columns[int(bad[0])]}' has missing values; {node} needs "
            "complete rows (impute first)"
        )
    return X


@register
class Pca(Operator):
    """Project numeric columns onto principal components ``<prefix>0…``."""

    name = "pca"
    summary = "Principal components of numeric columns (fitted in memory on a sample)."
    stateful = True
    in_memory = True

    class Params(OperatorParams):
        n_components: int = Field(
            default=2, ge=1, le=1000, description="Components to keep."
        )
        columns: list[str] | None = Field(
            default=None, description="Numeric columns (default: all numeric)."
        )
        prefix: str = Field(
            default="pc", min_length=1, description="Output column prefix."
        )
        drop_original: bool = Field(
            default=True, description="Remove the input columns."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        columns = default_columns(schema, params.columns, numeric=True)
        need_numeric(schema, columns, "pca")
        if params.n_components > len(columns):
            raise InvalidInputError(
                f"The 'n_components' parameter of pca must be at most {len(columns)} "
                f"(the number of columns); got {params.n_components}."
            )
        base = schema.without(columns) if params.drop_original else schema
        return {
            "output": base.replace(
                [
                    (fresh(base, f"{params.prefix}{i}"), "number")
                    for i in range(params.n_components)
                ]
            )
        }

    def fit(
        self, ctx: Context, inputs: dict[str, Frame], params: Any
    ) -> dict[str, Any]:
        from sklearn.decomposition import PCA

        columns = default_columns(inputs["input"].schema, params.columns, numeric=True)
        X = _matrix(ctx, fit_frame(inputs), columns, "pca")
        pca = PCA(n_components=params.n_components, svd_solver="full").fit(X)
        ctx.log(
            "explained variance ratio "
            f"{np.round(pca.explained_variance_ratio_, 4).tolist()} on {len(X)} rows"
        )
        return {
            "columns": columns,
            "mean": pca.mean_.tolist(),
            "components": pca.components_.tolist(),
            "explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
        }

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        columns = state["columns"]
        exprs = []
        for i, weights in enumerate(state["components"]):
            terms = " + ".join(
                f"({ident(c)}::DOUBLE - {literal(m)}) * {literal(w)}"
                for c, m, w in zip(columns, state["mean"], weights, strict=True)
            )
            exprs.append(f"({terms}) AS {ident(f'{params.prefix}{i}')}")
        star = star_except(columns if params.drop_original else [])
        return {
            "output": Query(
                f"SELECT {', '.join([star, *exprs])} FROM "
                f"{ident(inputs['input'].table)}"
            )
        }


@register
class SelectFeatures(Operator):
    """Drop the columns ``loom.training.selection.FeatureSelection`` does not keep."""

    name = "select_features"
    summary = (
        "Keep the best numeric columns: variance, chi², mutual information or L1 "
        "(fitted on a sample)."
    )
    stateful = True
    in_memory = True

    class Params(OperatorParams):
        method: Literal["variance", "chi2", "mutual_info", "l1"] = Field(
            default="variance", description="Selector."
        )
        target: str | None = Field(
            default=None, description="Target column (all but 'variance')."
        )
        columns: list[str] | None = Field(
            default=None,
            description="Candidate columns (default: numeric, not the target).",
        )
        k: int | None = Field(
            default=None,
            ge=1,
            description="Columns to keep (chi2, mutual_info; most for l1).",
        )
        threshold: float | None = Field(
            default=None, ge=0, description="Variance: minimum variance."
        )
        task: Literal["auto", "classification", "regression"] = Field(
            default="auto", description="Target kind."
        )
        seed: int = Field(default=0, ge=0, description="Random state.")

    def _columns(self, schema: Schema, params: Any) -> list[str]:
        return [
            c
            for c in default_columns(schema, params.columns, numeric=True)
            if c != params.target
        ]

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need_numeric(schema, self._columns(schema, params), "select_features")
        if params.method != "variance":
            if not params.target:
                raise InvalidInputError(
                    "The 'target' parameter of select_features must be set for method "
                    f"'{params.method}'; got None."
                )
            need(schema, [params.target])
        # Which columns survive depends on the data: downstream checks stay lenient.
        return {"output": schema.replace([], open=True)}

    def fit(
        self, ctx: Context, inputs: dict[str, Frame], params: Any
    ) -> dict[str, Any]:
        from loom.training.selection import FeatureSelection

        frame = fit_frame(inputs)
        columns = self._columns(inputs["input"].schema, params)
        X = _matrix(ctx, frame, columns, "select_features")
        y = None
        task = "classification"
        if params.method != "variance":
            values = (
                ctx.fetch(frame, [params.target], limit=ctx.sample_rows)
                .column(0)
                .to_pylist()
            )
            kind = frame.schema.type_of(params.target)
            task = (
                params.task
                if params.task != "auto"
                else ("regression" if kind == "number" else "classification")
            )
            if task == "classification":
                text = [str(v) for v in values]
                code_of = {v: i for i, v in enumerate(sorted(set(text)))}
                y = np.array([code_of[v] for v in text])
            else:
                y = np.array(values, dtype=np.float64)
        selection = FeatureSelection.fit(
            X,
            y,
            columns,
            task,
            params.method,
            k=params.k,
            threshold=params.threshold,
            seed=params.seed,
        )
        summary = selection.summary()
        ctx.log(f"kept {summary['selected']}; dropped {summary['dropped']}")
        return selection.to_dict()

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        kept = set(state["selected"])
        dropped = [n for i, n in enumerate(state["names"]) if i not in kept]
        star = star_except(dropped)
        return {"output": Query(f"SELECT {star} FROM {ident(inputs['input'].table)}")}
