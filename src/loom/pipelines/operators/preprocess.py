"""Column-wise fitted preprocessing: imputation, scaling, and date parts.

Fitting is one aggregate query per operator (DuckDB streams it); the state is a
few numbers per column, and applying it is ``COALESCE`` or ``(x - c) / s`` in
SQL, so a fitted pipeline replays exactly the same arithmetic on request rows.
Statistics follow scikit-learn: StandardScaler's population std (ddof = 0),
RobustScaler's linear-interpolated quartiles, SimpleImputer's smallest mode.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import Field

from loom.core.errors import InvalidInputError
from loom.pipelines.operators import register
from loom.pipelines.operators._checks import default_columns, fresh, need, need_numeric
from loom.pipelines.operators._sql import ident, literal, star_except
from loom.pipelines.operators.base import (
    FIT_PORT,
    Context,
    Frame,
    Operator,
    OperatorParams,
    Query,
)
from loom.pipelines.schema import DUCKDB_TYPES, Schema


def fit_frame(inputs: dict[str, Frame]) -> Frame:
    """The rows to fit on: the ``fit`` port when connected, else ``input``."""
    return inputs.get(FIT_PORT) or inputs["input"]


def json_value(value: Any) -> Any:
    """A fitted statistic as JSON (dates as ISO text, NaN as None)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return (
        value
        if isinstance(value, str | int | float | bool) or value is None
        else str(value)
    )


@register
class Impute(Operator):
    """Fill missing values; optionally add ``<col>_missing`` indicator columns."""

    name = "impute"
    summary = (
        "Fill missing values (constant, mean, median, most frequent), with optional "
        "indicators."
    )
    stateful = True

    class Params(OperatorParams):
        strategy: Literal["constant", "mean", "median", "most_frequent"] = Field(
            default="mean", description="Fill rule."
        )
        columns: list[str] | None = Field(
            default=None,
            description="Columns (default: numeric ones for mean/median, else all).",
        )
        fill_value: str | int | float | bool | None = Field(
            default=None, description="The constant (strategy 'constant')."
        )
        add_indicator: bool = Field(
            default=False, description="Add a boolean <column>_missing per column."
        )

    def _columns(self, schema: Schema, params: Any) -> list[str]:
        return default_columns(
            schema, params.columns, params.strategy in ("mean", "median")
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        columns = self._columns(schema, params)
        if params.strategy in ("mean", "median"):
            need_numeric(schema, columns, f"impute '{params.strategy}'")
        else:
            need(schema, columns)
        if params.strategy == "constant" and params.fill_value is None:
            raise InvalidInputError(
                "The 'fill_value' parameter of impute must be set for strategy "
                "'constant'; got None."
            )
        changed = [
            (c, "number") for c in columns if params.strategy in ("mean", "median")
        ]
        out = schema.replace(changed)
        if params.add_indicator:
            out = out.replace(
                [(fresh(schema, f"{c}_missing"), "boolean") for c in columns]
            )
        return {"output": out}

    def fit(
        self, ctx: Context, inputs: dict[str, Frame], params: Any
    ) -> dict[str, Any]:
        frame = fit_frame(inputs)
        columns = self._columns(inputs["input"].schema, params)
        table = ident(frame.table)
        fill: dict[str, Any] = {}
        if params.strategy == "constant":
            fill = dict.fromkeys(columns, params.fill_value)
        elif params.strategy in ("mean", "median"):
            func = "avg" if params.strategy == "mean" else "quantile_cont"
            arg = "" if params.strategy == "mean" else ", 0.5"
            exprs = ", ".join(f"{func}({ident(c)}::DOUBLE{arg})" for c in columns)
            row = ctx.rows(f"SELECT {exprs} FROM {table}")[0]
            fill = {c: json_value(v) for c, v in zip(columns, row, strict=True)}
        else:
            for c in columns:
                rows = ctx.rows(
                    f"SELECT {ident(c)}, count(*) AS n FROM {table} WHERE {ident(c)} "
                    "IS NOT NULL "
                    f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1"
                )
                fill[c] = json_value(rows[0][0]) if rows else None
        ctx.log(f"impute {params.strategy}: {fill}")
        return {"fill": fill}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        frame = inputs["input"]
        replace, extra = [], []
        for c, value in state["fill"].items():
            kind = frame.schema.type_of(c) or "string"
            if params.strategy in ("mean", "median"):
                expr = f"COALESCE({ident(c)}::DOUBLE, {literal(value)})"
            else:
                fill = f"CAST({literal(value)} AS {DUCKDB_TYPES[kind]})"
                expr = f"COALESCE({ident(c)}, {fill})"
            replace.append(f"{expr} AS {ident(c)}")
            if params.add_indicator:
                extra.append(f"({ident(c)} IS NULL) AS {ident(c + '_missing')}")
        star = f"* REPLACE ({', '.join(replace)})" if replace else "*"
        cols = ", ".join([star, *extra])
        return {"output": Query(f"SELECT {cols} FROM {ident(frame.table)}")}


@register
class Scale(Operator):
    """Scale numeric columns (standard, min-max or robust); output is DOUBLE."""

    name = "scale"
    summary = (
        "Scale numeric columns: standard (z-score), min-max, or robust (median/IQR)."
    )
    stateful = True

    class Params(OperatorParams):
        method: Literal["standard", "minmax", "robust"] = Field(
            default="standard", description="Scaling rule."
        )
        columns: list[str] | None = Field(
            default=None, description="Columns (default: every numeric column)."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        columns = default_columns(schema, params.columns, numeric=True)
        need_numeric(schema, columns, f"scale '{params.method}'")
        return {"output": schema.replace([(c, "number") for c in columns])}

    def fit(
        self, ctx: Context, inputs: dict[str, Frame], params: Any
    ) -> dict[str, Any]:
        columns = default_columns(inputs["input"].schema, params.columns, numeric=True)
        stats = {
            "standard": "avg({c}), stddev_pop({c})",
            "minmax": "min({c}), max({c}) - min({c})",
            "robust": "quantile_cont({c}, 0.5), "
            "quantile_cont({c}, 0.75) - quantile_cont({c}, 0.25)",
        }[params.method]
        exprs = ", ".join(stats.format(c=f"{ident(c)}::DOUBLE") for c in columns)
        row = ctx.rows(f"SELECT {exprs} FROM {ident(fit_frame(inputs).table)}")[0]
        out: dict[str, list[float]] = {}
        for i, c in enumerate(columns):
            center, scale = row[2 * i], row[2 * i + 1]
            # scikit-learn's rule: a constant column is centred but not divided.
            scale = (
                1.0
                if scale is None or scale == 0 or math.isnan(scale)
                else float(scale)
            )
            out[c] = [0.0 if center is None else float(center), scale]
        return {"columns": out}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        replace = ", ".join(
            f"(({ident(c)}::DOUBLE - {literal(center)}) / {literal(scale)}) AS "
            f"{ident(c)}"
            for c, (center, scale) in state["columns"].items()
        )
        star = f"* REPLACE ({replace})" if replace else "*"
        return {"output": Query(f"SELECT {star} FROM {ident(inputs['input'].table)}")}


_PARTS = {
    "year": "year({c})",
    "quarter": "quarter({c})",
    "month": "month({c})",
    "week": "weekofyear({c})",
    "day": "day({c})",
    "dayofyear": "dayofyear({c})",
    "weekday": "(isodow({c}) - 1)",
    "hour": "hour({c})",
    "minute": "minute({c})",
    "second": "second({c})",
}
DatePart = Literal[
    "year",
    "quarter",
    "month",
    "week",
    "day",
    "dayofyear",
    "weekday",
    "hour",
    "minute",
    "second",
]


def _default_parts() -> list[DatePart]:
    return ["year", "month", "day", "weekday"]


@register
class DateParts(Operator):
    """Split dates/timestamps into integer parts (weekday: Monday = 0, like pandas)."""

    name = "date_parts"
    summary = "Extract year, month, day, weekday, hour… from date or timestamp columns."

    class Params(OperatorParams):
        columns: list[str] = Field(
            min_length=1, description="Date or timestamp columns."
        )
        parts: list[DatePart] = Field(
            default_factory=_default_parts,
            min_length=1,
            description="Parts to extract.",
        )
        drop_original: bool = Field(
            default=False, description="Remove the source columns."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need(schema, params.columns, types=["date", "timestamp"], purpose="date_parts")
        base = schema.without(params.columns) if params.drop_original else schema
        new = [
            (fresh(base, f"{c}_{p}"), "integer")
            for c in params.columns
            for p in params.parts
        ]
        return {"output": base.replace(new)}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        exprs = [
            f"{_PARTS[p].format(c=ident(c))}::BIGINT AS {ident(f'{c}_{p}')}"
            for c in params.columns
            for p in params.parts
        ]
        star = star_except(params.columns if params.drop_original else [])
        return {
            "output": Query(
                f"SELECT {star}, {', '.join(exprs)} FROM {ident(inputs['input'].table)}"
            )
        }
