"""DuckDB plumbing for pipelines: bounded connections, schemas of files and tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from loom.pipelines.operators._sql import ident, literal
from loom.pipelines.schema import Schema, portable_type

if TYPE_CHECKING:
    import duckdb


def parquet_schema(path: str | Path) -> Schema:
    """The schema of a Parquet file, read from its footer (no rows are read)."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        rows = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({literal(str(path))})"
        ).fetchall()
    finally:
        con.close()
    return Schema.of([(r[0], portable_type(r[1])) for r in rows])


def connect(
    temp_dir: Path, memory_limit: str = "2GB", threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that spills to ``temp_dir`` and never installs extensions."""
    import duckdb

    temp_dir.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "memory_limit": memory_limit,
        "temp_directory": str(temp_dir),
        "preserve_insertion_order": True,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    if threads:
        config["threads"] = threads
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET TimeZone = 'UTC'")
    return con


def table_schema(con: duckdb.DuckDBPyConnection, table: str) -> Schema:
    """The portable schema of a table or view in ``con``."""
    rows = con.execute(f"DESCRIBE {ident(table)}").fetchall()
    return Schema.of([(r[0], portable_type(r[1])) for r in rows])
