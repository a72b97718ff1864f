"""Operators that combine rows: join two tables, group and aggregate.

Both are single SQL statements; DuckDB's hash join and hash aggregate spill to
disk, so neither needs its inputs to fit in memory.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from loom.pipelines.operators import register
from loom.pipelines.operators._checks import need, need_numeric
from loom.pipelines.operators._sql import ident
from loom.pipelines.operators.base import (
    Context,
    Frame,
    Operator,
    OperatorParams,
    Query,
)
from loom.pipelines.schema import Schema


@register
class Join(Operator):
    """Join two inputs on key columns with the same names on both sides."""

    name = "join"
    summary = "Join 'left' and 'right' on key columns (inner, left, right or full)."
    inputs = ("left", "right")

    class Params(OperatorParams):
        on: list[str] = Field(
            min_length=1, description="Key columns, present in both inputs."
        )
        how: Literal["inner", "left", "right", "full"] = Field(
            default="inner", description="Join type."
        )
        suffix: str = Field(
            default="_right",
            min_length=1,
            description="Appended to clashing right columns.",
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        left, right = inputs["left"], inputs["right"]
        need(left, params.on, port="left")
        need(right, params.on, port="right")
        cols = [(c.name, c.type) for c in left.columns]
        for c in right.columns:
            if c.name not in params.on:
                cols.append(
                    (c.name + params.suffix if left.has(c.name) else c.name, c.type)
                )
        return {"output": Schema.of(cols, open=left.open or right.open)}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        left, right = inputs["left"], inputs["right"]
        select = []
        for c in left.schema.names:
            if c in params.on and params.how in ("right", "full"):
                select.append(f"COALESCE(l.{ident(c)}, r.{ident(c)}) AS {ident(c)}")
            else:
                select.append(f"l.{ident(c)}")
        for c in right.schema.names:
            if c not in params.on:
                alias = c + params.suffix if left.schema.has(c) else c
                select.append(f"r.{ident(c)} AS {ident(alias)}")
        cond = " AND ".join(f"l.{ident(k)} = r.{ident(k)}" for k in params.on)
        sql = (
            f"SELECT {', '.join(select)} FROM {ident(left.table)} AS l "
            f"{params.how.upper()} JOIN {ident(right.table)} AS r ON {cond}"
        )
        return {"output": Query(sql)}


class Aggregation(BaseModel):
    """One output column of ``aggregate``."""

    model_config = ConfigDict(extra="forbid")

    column: str
    func: Literal["sum", "mean", "min", "max", "count", "count_distinct", "std"]
    name: str | None = None

    @property
    def alias(self) -> str:
        """The output name (``column_func`` unless given)."""
        return self.name or f"{self.column}_{self.func}"


def _agg_sql(agg: Aggregation, schema: Schema) -> str:
    col = ident(agg.column)
    if agg.func == "count_distinct":
        return f"count(DISTINCT {col})"
    if agg.func == "sum":
        if schema.type_of(agg.column) == "number":
            return f"sum({col}::DOUBLE)"
        return f"sum({col}::BIGINT)::BIGINT"
    if agg.func in ("mean", "std"):
        return f"{_SQL_FUNCS[agg.func]}({col}::DOUBLE)"
    return f"{_SQL_FUNCS[agg.func]}({col})"


_SQL_FUNCS = {
    "sum": "sum",
    "mean": "avg",
    "min": "min",
    "max": "max",
    "count": "count",
    "std": "stddev_samp",
}


@register
class Aggregate(Operator):
    """Group rows and aggregate columns (std is the sample std, ddof=1, like pandas)."""

    name = "aggregate"
    summary = (
        "Group by columns and aggregate: sum, mean, min, max, count, count_distinct, "
        "std."
    )

    class Params(OperatorParams):
        group_by: list[str] = Field(
            default_factory=list, description="Grouping columns (none: one row)."
        )
        aggregations: list[Aggregation] = Field(
            min_length=1, description="[{column, func, name}]."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need(schema, params.group_by)
        cols = [(g, schema.type_of(g) or "string") for g in params.group_by]
        for agg in params.aggregations:
            if agg.func in ("sum", "mean", "std"):
                need_numeric(schema, [agg.column], f"aggregate {agg.func}")
            else:
                need(schema, [agg.column])
            kind = schema.type_of(agg.column) or "number"
            out = {
                "count": "integer",
                "count_distinct": "integer",
                "mean": "number",
                "std": "number",
            }.get(agg.func)
            if agg.func == "sum":
                out = "integer" if kind in ("integer", "boolean") else "number"
            cols.append((agg.alias, out or kind))
        return {"output": Schema.of(cols)}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        parts = [ident(g) for g in params.group_by]
        schema = inputs["input"].schema
        for agg in params.aggregations:
            parts.append(f"{_agg_sql(agg, schema)} AS {ident(agg.alias)}")
        group = (
            f" GROUP BY {', '.join(ident(g) for g in params.group_by)}"
            if params.group_by
            else ""
        )
        order = (
            f" ORDER BY {', '.join(ident(g) for g in params.group_by)}"
            if params.group_by
            else ""
        )
        return {
            "output": Query(
                f"SELECT {', '.join(parts)} FROM "
                f"{ident(inputs['input'].table)}{group}{order}"
            )
        }
