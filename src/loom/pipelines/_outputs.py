"""Node inputs and outputs of a run: sampled sources, Parquet files, views."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from loom.pipelines._duck import table_schema
from loom.pipelines.operators._sql import ident, literal
from loom.pipelines.operators.base import Frame
from loom.pipelines.results import PREVIEW_ROWS, NodeResult, json_records

if TYPE_CHECKING:
    import duckdb


class Sample(BaseModel):
    """How quick mode samples each source: the first N rows or N random rows."""

    mode: Literal["head", "random"] = "head"
    rows: int = Field(default=1000, ge=1, le=1_000_000)
    seed: int = Field(default=0, ge=0)


def now_iso() -> str:
    """The current UTC time as ISO-8601 text (node start and end stamps)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def write_parquet(
    con: duckdb.DuckDBPyConnection,
    final: Path,
    sql: str,
    binds: dict[str, Any],
) -> Path:
    """``COPY (sql) TO`` a temp name beside ``final``, then rename: never half a file.

    DuckDB streams the query into the file, so the rows never sit in memory.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.stem}.{uuid.uuid4().hex}.tmp.parquet")
    try:
        con.execute(f"COPY ({sql}) TO {literal(str(tmp))} (FORMAT parquet)", binds)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def view_file(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """Name a Parquet file as a view, so downstream nodes stream it from disk."""
    con.execute(
        f"CREATE OR REPLACE VIEW {ident(table)} AS SELECT * FROM "
        f"read_parquet({literal(str(path))})"
    )


def describe(
    con: duckdb.DuckDBPyConnection, table: str, result: NodeResult, port: str
) -> Frame:
    """Record a written output's schema, row count and preview on ``result``."""
    schema = table_schema(con, table)
    result.schemas[port] = schema.as_records()
    result.rows[port] = int(
        con.execute(f"SELECT count(*) FROM {ident(table)}").fetchall()[0][0]
    )
    preview = con.sql(
        f"SELECT * FROM {ident(table)} LIMIT {PREVIEW_ROWS}"
    ).to_arrow_table()
    result.preview[port] = json_records(preview.to_pylist())
    return Frame(table, schema)


def source_frame(
    con: duckdb.DuckDBPyConnection, node_id: str, path: Path, sample: Sample | None
) -> Frame:
    """A source file as a table: a view (full runs) or an in-memory sample (quick)."""
    table = f"src__{node_id}"
    read = f"SELECT * FROM read_parquet({literal(str(path))})"
    if sample is None:
        con.execute(f"CREATE OR REPLACE VIEW {ident(table)} AS {read}")
    elif sample.mode == "head":
        con.execute(
            f"CREATE OR REPLACE TABLE {ident(table)} AS {read} LIMIT {sample.rows}"
        )
    else:
        con.execute(
            f"CREATE OR REPLACE TABLE {ident(table)} AS {read} "
            f"USING SAMPLE reservoir({sample.rows} ROWS) REPEATABLE ({sample.seed})"
        )
    return Frame(table, table_schema(con, table))
