"""Row and column operators that are plain SQL: source, sql, select, filter, join…

None of these hold state or load data into Python; each is one SELECT that
DuckDB streams, so they work on tables far larger than memory.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from loom.core.errors import InvalidInputError
from loom.pipelines._duck import table_schema
from loom.pipelines.operators import register
from loom.pipelines.operators._checks import need
from loom.pipelines.operators._sql import bind_variables, check_select, ident
from loom.pipelines.operators.base import (
    Context,
    Frame,
    Operator,
    OperatorParams,
    Query,
)
from loom.pipelines.schema import DUCKDB_TYPES, ColumnType, Schema

SOURCE_PORT = "dataset"


def source_key(params: Any) -> str:
    """How the caller's resolver names a source: ``name`` or ``name@version``."""
    return (
        params.dataset
        if params.version is None
        else f"{params.dataset}@{params.version}"
    )


def _star(frame: Frame) -> str:
    return f"SELECT * FROM {ident(frame.table)}"


def _star_with(modifier: str, items: str, frame: Frame) -> dict[str, Query]:
    """``SELECT * EXCLUDE/RENAME/REPLACE (items)``: the one-port column rewrites."""
    return {"output": Query(f"SELECT * {modifier} ({items}) FROM {ident(frame.table)}")}


@register
class Source(Operator):
    """A registered dataset; the engine hands it in as a Parquet file."""

    name = "source"
    summary = "Read a dataset (a Parquet file the caller resolves by name and version)."
    inputs = ()

    class Params(OperatorParams):
        dataset: str = Field(min_length=1, description="Dataset name, as registered.")
        version: int | None = Field(
            default=None, ge=1, description="Version; None means latest."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        return {"output": inputs[SOURCE_PORT]}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        return {"output": Query(_star(inputs[SOURCE_PORT]))}


def describe_sql(inputs: dict[str, Schema], sql: str, binds: dict[str, Any]) -> Schema:
    """The schema a query returns, found by running it over empty input tables."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        for port, schema in inputs.items():
            cols = ", ".join(
                f"{ident(c.name)} {DUCKDB_TYPES[c.type]}" for c in schema.columns
            )
            con.execute(f"CREATE TABLE {ident(port)} ({cols or 'loom_empty INTEGER'})")
        check_select(con, sql, inputs, "the SQL")
        try:
            con.execute(
                f"CREATE TABLE loom_out AS SELECT * FROM ({sql}) LIMIT 0", binds
            )
        except duckdb.Error as exc:
            raise InvalidInputError(
                f"the SQL does not run: {str(exc).splitlines()[0]}"
            ) from None
        return table_schema(con, "loom_out")
    finally:
        con.close()


@register
class Sql(Operator):
    """DuckDB SQL over the node's inputs, each visible under its port name."""

    name = "sql"
    summary = "A DuckDB SELECT over the inputs (by port name); ${var} binds a variable."
    inputs = ()
    variadic_inputs = True

    class Params(OperatorParams):
        query: str = Field(
            min_length=1, description="One SELECT; tables are the input port names."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        return self.schema_with(inputs, params, {})

    def schema_with(
        self, inputs: dict[str, Schema], params: Any, variables: dict[str, Any]
    ) -> dict[str, Schema]:
        """Like ``output_schema``, binding the run's variables."""
        sql, binds = bind_variables(params.query, variables)
        return {"output": describe_sql(inputs, sql, binds)}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        sql, binds = bind_variables(params.query, ctx.variables)
        check_select(ctx.con, sql, inputs, f"node '{ctx.node_id}' SQL")
        ctes = ", ".join(
            f"{ident(p)} AS (SELECT * FROM {ident(f.table)})" for p, f in inputs.items()
        )
        with_clause = f"WITH {ctes} " if ctes else ""
        return {"output": Query(f"{with_clause}SELECT * FROM ({sql})", binds)}


@register
class Select(Operator):
    """Keep the listed columns, in the listed order."""

    name = "select"
    summary = "Keep only the listed columns (in that order)."

    class Params(OperatorParams):
        columns: list[str] = Field(min_length=1, description="Columns to keep.")

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need(schema, params.columns)
        return {
            "output": Schema.of(
                [(c, schema.type_of(c) or "string") for c in params.columns]
            )
        }

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        cols = ", ".join(ident(c) for c in params.columns)
        return {"output": Query(f"SELECT {cols} FROM {ident(inputs['input'].table)}")}


@register
class Drop(Operator):
    """Remove the listed columns."""

    name = "drop"
    summary = "Remove the listed columns."

    class Params(OperatorParams):
        columns: list[str] = Field(min_length=1, description="Columns to remove.")

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need(schema, params.columns)
        return {"output": schema.without(params.columns)}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        cols = ", ".join(ident(c) for c in params.columns)
        return _star_with("EXCLUDE", cols, inputs["input"])


@register
class Rename(Operator):
    """Rename columns (old → new)."""

    name = "rename"
    summary = "Rename columns: a mapping from old name to new name."

    class Params(OperatorParams):
        mapping: dict[str, str] = Field(
            min_length=1, description="Old name → new name."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need(schema, params.mapping)
        cols = [(params.mapping.get(c.name, c.name), c.type) for c in schema.columns]
        names = [n for n, _ in cols]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InvalidInputError(
                f"renaming gives two columns named '{dupes[0]}'",
                details={"column": dupes[0]},
            )
        return {"output": Schema.of(cols, open=schema.open)}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        cols = ", ".join(f"{ident(o)} AS {ident(n)}" for o, n in params.mapping.items())
        return _star_with("RENAME", cols, inputs["input"])


@register
class Cast(Operator):
    """Change column types; values that do not convert become null (or fail)."""

    name = "cast"
    summary = "Change column types (integer, number, boolean, string, date, timestamp)."

    class Params(OperatorParams):
        types: dict[str, ColumnType] = Field(
            min_length=1, description="Column → new type."
        )
        strict: bool = Field(
            default=False,
            description="Fail on a value that does not convert, instead of null.",
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need(schema, params.types)
        return {"output": schema.replace(list(params.types.items()))}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        fn = "CAST" if params.strict else "TRY_CAST"
        cols = ", ".join(
            f"{fn}({ident(c)} AS {DUCKDB_TYPES[t]}) AS {ident(c)}"
            for c, t in params.types.items()
        )
        return _star_with("REPLACE", cols, inputs["input"])


@register
class Filter(Operator):
    """Keep rows where a SQL boolean expression holds."""

    name = "filter"
    summary = (
        "Keep rows where a SQL boolean expression is true; ${var} binds a variable."
    )

    class Params(OperatorParams):
        condition: str = Field(
            min_length=1, description="A SQL boolean expression over the columns."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        return self.schema_with(inputs, params, {})

    def schema_with(
        self, inputs: dict[str, Schema], params: Any, variables: dict[str, Any]
    ) -> dict[str, Schema]:
        """Check the expression over an empty table with the input's columns."""
        sql, binds = bind_variables(_where("input", params.condition), variables)
        schema = inputs["input"]
        if not schema.open:
            describe_sql({"input": schema}, sql, binds)
        return {"output": schema}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        sql, binds = bind_variables(_where("input", params.condition), ctx.variables)
        check_select(ctx.con, sql, ["input"], f"node '{ctx.node_id}' condition")
        table = ident(inputs["input"].table)
        return {"output": Query(f"WITH input AS (SELECT * FROM {table}) {sql}", binds)}


def _where(table: str, condition: str) -> str:
    return f"SELECT * FROM {table} WHERE ({condition})"
