"""Categorical encoding: one-hot, ordinal, frequency, hashing and target encoding.

Categories are compared as text, so an integer code column and a string column
encode the same way. Fitting reads category counts with one GROUP BY per
column; applying is a CASE expression per column, so request rows need no
lookup table (full runs whose row order nothing reads join small VALUES
tables instead: see ``_joined``). Unseen or null categories encode as all zeros
(one-hot, hashing keeps nulls at zero too), -1 (ordinal), 0 (frequency) or the
prior (target).
"""

from __future__ import annotations

from typing import Any, Literal

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

_EXPANDING = ("one_hot", "hashing")


def _text(column: str) -> str:
    return f"CAST({ident(column)} AS VARCHAR)"


@register
class Encode(Operator):
    """Encode categorical columns; target encoding fits on the ``fit`` rows only."""

    name = "encode"
    summary = (
        "Encode categories: one-hot, ordinal, frequency, hashing (n buckets), target "
        "(smoothed)."
    )
    stateful = True

    class Params(OperatorParams):
        method: Literal["one_hot", "ordinal", "frequency", "hashing", "target"] = Field(
            default="one_hot", description="Encoding."
        )
        columns: list[str] = Field(min_length=1, description="Categorical columns.")
        max_categories: int = Field(
            default=50,
            ge=1,
            le=10_000,
            description="One-hot/ordinal: keep the most frequent.",
        )
        categories: dict[str, list[str]] | None = Field(
            default=None, description="One-hot: fixed categories per column."
        )
        n_buckets: int = Field(
            default=16, ge=2, le=4096, description="Hashing: number of buckets."
        )
        target: str | None = Field(
            default=None, description="Target encoding: the numeric target column."
        )
        smoothing: float = Field(
            default=10.0, ge=0, description="Target encoding: weight of the prior."
        )
        drop_original: bool = Field(
            default=True, description="One-hot/hashing: remove the source column."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need(schema, params.columns)
        if params.method == "target":
            if not params.target:
                raise InvalidInputError(
                    "The 'target' parameter of encode must be set for method 'target'; "
                    "got None."
                )
            need_numeric(schema, [params.target], "target encoding")
        if params.method not in _EXPANDING:
            kind = {"ordinal": "integer"}.get(params.method, "number")
            return {"output": schema.replace([(c, kind) for c in params.columns])}
        base = schema.without(params.columns) if params.drop_original else schema
        if params.method == "hashing":
            new = [
                (fresh(base, f"{c}_h{i}"), "integer")
                for c in params.columns
                for i in range(params.n_buckets)
            ]
            return {"output": base.replace(new)}
        fixed = params.categories or {}
        new = [
            (fresh(base, f"{c}_{v}"), "integer")
            for c in params.columns
            for v in fixed.get(c, [])
        ]
        known = all(c in fixed for c in params.columns)
        return {"output": base.replace(new, open=base.open or not known)}

    def fit(
        self, ctx: Context, inputs: dict[str, Frame], params: Any
    ) -> dict[str, Any]:
        frame = fit_frame(inputs)
        table = ident(frame.table)
        if params.method == "hashing":
            return {}
        if params.method == "target":
            return _fit_target(ctx, table, params)
        state: dict[str, Any] = {}
        for c in params.columns:
            if (
                params.method == "one_hot"
                and params.categories
                and c in params.categories
            ):
                state[c] = list(params.categories[c])
                continue
            rows = ctx.rows(
                f"SELECT {_text(c)} AS v, count(*) AS n FROM {table} WHERE {ident(c)} "
                "IS NOT NULL "
                "GROUP BY v ORDER BY n DESC, v"
            )
            if params.method == "frequency":
                total = ctx.rows(f"SELECT count(*) FROM {table}")[0][0] or 1
                state[c] = {str(v): n / total for v, n in rows}
            else:
                state[c] = sorted(str(v) for v, _ in rows[: params.max_categories])
        ctx.log(
            f"encode {params.method}: "
            f"{', '.join(f'{c}={len(v)}' for c, v in state.items())} categories"
        )
        return {"categories": state}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        frame = inputs["input"]
        table = ident(frame.table)
        if params.method in _EXPANDING:
            new = []
            for c in params.columns:
                if params.method == "hashing":
                    bucket = f"(hash({_text(c)}) % {params.n_buckets})"
                    new += [
                        f"COALESCE(({bucket} = {i})::BIGINT, 0) AS {ident(f'{c}_h{i}')}"
                        for i in range(params.n_buckets)
                    ]
                else:
                    new += [
                        f"COALESCE(({_text(c)} = {literal(v)})::BIGINT, 0) AS "
                        f"{ident(f'{c}_{v}')}"
                        for v in state["categories"][c]
                    ]
            star = star_except(params.columns if params.drop_original else [])
            return {"output": Query(f"SELECT {', '.join([star, *new])} FROM {table}")}
        if not ctx.row_order and not ctx.serving:
            return {"output": _joined(table, params.columns, params.method, state)}
        replace = ", ".join(
            f"{_mapped(c, params.method, state)} AS {ident(c)}" for c in params.columns
        )
        return {"output": Query(f"SELECT * REPLACE ({replace}) FROM {table}")}


def _pairs(column: str, method: str, state: dict[str, Any]) -> tuple[list, str, str]:
    """(category text, SQL value) pairs, the SQL default and the output type."""
    if method == "ordinal":
        pairs = [(v, str(i)) for i, v in enumerate(state["categories"][column])]
        return pairs, "-1", "BIGINT"
    if method == "frequency":
        pairs = [(v, literal(float(f))) for v, f in state["categories"][column].items()]
        return pairs, "0.0", "DOUBLE"
    pairs = [(v, literal(float(f))) for v, f in state["values"][column].items()]
    return pairs, literal(float(state["prior"])), "DOUBLE"


def _joined(table: str, columns: list[str], method: str, state: dict) -> Query:
    """Batch lookups as LEFT JOINs on small VALUES tables (when order is free).

    A ``CASE`` with one branch per category costs a comparison per category
    per row (1,000 categories: ~1 CPU s per million rows); a hash join costs
    one probe. Joins do not keep row order, so the engine asks for this only
    when nothing downstream reads the order (a group ending in an aggregate);
    the values are the same literals as the ``CASE`` serving uses.
    """
    joins, replace = [], []
    for i, c in enumerate(columns):
        pairs, default, cast = _pairs(c, method, state)
        if not pairs:
            replace.append(f"CAST({default} AS {cast}) AS {ident(c)}")
            continue
        rows = ", ".join(f"({literal(v)}, CAST({out} AS {cast}))" for v, out in pairs)
        joins.append(
            f" LEFT JOIN (VALUES {rows}) AS __l{i}(v, f) "
            f"ON CAST(__t.{ident(c)} AS VARCHAR) = __l{i}.v"
        )
        replace.append(f"CAST(COALESCE(__l{i}.f, {default}) AS {cast}) AS {ident(c)}")
    sql = f"SELECT __t.* REPLACE ({', '.join(replace)}) FROM {table} AS __t"
    return Query(sql + "".join(joins))


def _mapped(column: str, method: str, state: dict[str, Any]) -> str:
    pairs, default, cast = _pairs(column, method, state)
    if not pairs:
        return f"CAST({default} AS {cast})"
    whens = " ".join(f"WHEN {literal(v)} THEN {out}" for v, out in pairs)
    return f"CAST(CASE {_text(column)} {whens} ELSE {default} END AS {cast})"


def _fit_target(ctx: Context, table: str, params: Any) -> dict[str, Any]:
    """Smoothed means: (n·mean + m·prior) / (n + m), m = ``smoothing``."""
    target = f"{ident(params.target)}::DOUBLE"
    prior = ctx.rows(f"SELECT avg({target}) FROM {table}")[0][0]
    if prior is None:
        raise InvalidInputError(
            f"target column '{params.target}' has no values to fit target encoding on"
        )
    m = float(params.smoothing)
    values: dict[str, dict[str, float]] = {}
    for c in params.columns:
        rows = ctx.rows(
            f"SELECT {_text(c)} AS v, count({target}) AS n, avg({target}) AS mean FROM "
            f"{table} "
            f"WHERE {ident(c)} IS NOT NULL AND {ident(params.target)} IS NOT NULL "
            "GROUP BY v ORDER BY v"
        )
        values[c] = {str(v): (n * mean + m * prior) / (n + m) for v, n, mean in rows}
    ctx.log(f"target encoding prior {prior:.6g}, smoothing {m}")
    return {"prior": float(prior), "values": values}
