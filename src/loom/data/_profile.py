"""Column profiles and sampled previews of a Parquet file."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loom.data._duck import connect, ident, literal
from loom.data._parquet import json_safe
from loom.data.schemas import ColumnSchema, ColumnStats

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

TOP_VALUES = 5
# Long strings are cut in min/max so one huge text cell cannot bloat metadata.
_MAX_STAT_CHARS = 200


def logical_type(arrow_type: pa.DataType) -> str:
    """The user-facing type family of an Arrow type."""
    import pyarrow.types as t

    if t.is_dictionary(arrow_type):
        return logical_type(arrow_type.value_type)
    checks = (
        (t.is_boolean, "boolean"),
        (t.is_integer, "integer"),
        (lambda x: t.is_floating(x) or t.is_decimal(x), "float"),
        (
            lambda x: t.is_string(x) or t.is_large_string(x) or t.is_string_view(x),
            "string",
        ),
        (t.is_timestamp, "datetime"),
        (t.is_date, "date"),
    )
    for check, name in checks:
        if check(arrow_type):
            return name
    return "other"


def _aggregates(name: str, kind: str) -> list[str]:
    """SQL aggregates for one column: nulls, min, max, mean, std, distinct, top."""
    c = ident(name)
    distinct = f"approx_count_distinct({c})"
    if kind == "float":
        # NaN counts as missing (as pandas sees it) and is kept out of min/max.
        finite = f"FILTER (WHERE isfinite({c}::DOUBLE))"
        nulls = f"count(*) FILTER (WHERE {c} IS NULL OR isnan({c}::DOUBLE))"
        stats = [f"{agg}({c}::DOUBLE) {finite}" for agg in ("min", "max", "avg")]
        return [nulls, *stats, f"stddev_samp({c}::DOUBLE) {finite}", distinct, "NULL"]
    nulls = f"count(*) - count({c})"
    if kind == "integer":
        return [nulls, f"min({c})", f"max({c})", f"avg({c}::DOUBLE)",
                f"stddev_samp({c}::DOUBLE)", distinct, "NULL"]  # fmt: skip
    if kind == "boolean":
        return [nulls, f"bool_and({c})", f"bool_or({c})", f"avg({c}::INTEGER)",
                "NULL", distinct, "NULL"]  # fmt: skip
    if kind == "string":
        # approx_top_k is a bounded-memory sketch; a GROUP BY over a column of
        # unique strings would need memory proportional to the data.
        short = f"left({c}, {_MAX_STAT_CHARS})"
        return [nulls, f"min({short})", f"max({short})", "NULL", "NULL", distinct,
                f"approx_top_k({short}, {TOP_VALUES})"]  # fmt: skip
    if kind in ("datetime", "date"):
        # Zoned timestamps are compared in UTC and returned naive (the session
        # zone is UTC): converting them in Python would need pytz.
        low, high = (f"{agg}({c})::{_NAIVE.get(kind)}" for agg in ("min", "max"))
        return [nulls, low, high, "NULL", "NULL", distinct, "NULL"]
    return [nulls, "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"]


_NAIVE = {"datetime": "TIMESTAMP", "date": "DATE"}
_WIDTH = 7  # aggregates per column, in the order _aggregates returns them


def profile_with(
    con: duckdb.DuckDBPyConnection, path: Path
) -> tuple[int, list[ColumnSchema]]:
    """Row count and column profiles of ``path``, computed with ``con``.

    Two scans: one for every aggregate of every column, one to count the
    candidate top values exactly.
    """
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    kinds = [logical_type(field.type) for field in schema]
    source = f"read_parquet({literal(str(path))})"
    exprs = ["count(*)"]
    for field, kind in zip(schema, kinds, strict=True):
        exprs += _aggregates(field.name, kind)
    row = con.execute(f"SELECT {', '.join(exprs)} FROM {source}").fetchall()[0]
    row_count, values = int(row[0]), row[1:]
    per_column = [values[_WIDTH * i : _WIDTH * i + _WIDTH] for i in range(len(kinds))]
    candidates = {
        field.name: list(parts[6])
        for field, parts in zip(schema, per_column, strict=True)
        if parts[6]
    }
    tops = _count_top_values(con, source, candidates)
    columns = []
    for field, kind, parts in zip(schema, kinds, per_column, strict=True):
        nulls, low, high, mean, std, distinct, _ = parts
        if kind == "datetime" and getattr(field.type, "tz", None):
            low, high = (
                None if v is None else f"{v.isoformat()}+00:00" for v in (low, high)
            )
        stats = ColumnStats(
            min=json_safe(low),
            max=json_safe(high),
            mean=json_safe(mean),
            std=json_safe(std),
            distinct_count=distinct,
            top_values=tops.get(field.name, [] if kind == "string" else None),
        )
        columns.append(
            ColumnSchema(
                name=field.name,
                logical_type=kind,
                physical_type=str(field.type),
                null_count=int(nulls or 0),
                stats=stats,
            )
        )
    return row_count, columns


def _count_top_values(
    con: duckdb.DuckDBPyConnection, source: str, candidates: dict[str, list[str]]
) -> dict[str, list[dict[str, Any]]]:
    """Exact counts of each column's candidate top values, most frequent first."""
    if not candidates:
        return {}
    exprs, keys = [], []
    for name, values in candidates.items():
        short = f"left({ident(name)}, {_MAX_STAT_CHARS})"
        for value in values:
            exprs.append(f"count(*) FILTER (WHERE {short} = {literal(value)})")
            keys.append((name, value))
    counts = con.execute(f"SELECT {', '.join(exprs)} FROM {source}").fetchall()[0]
    tops: dict[str, list[dict[str, Any]]] = {name: [] for name in candidates}
    for (name, value), count in zip(keys, counts, strict=True):
        tops[name].append({"value": value, "count": int(count)})
    for entries in tops.values():
        entries.sort(key=lambda e: (-e["count"], e["value"]))
    return tops


def profile_parquet(path: Path) -> tuple[int, list[ColumnSchema]]:
    """Row count and per-column schema and statistics of a Parquet file.

    Args:
        path: a Parquet file (any writer).

    Returns:
        ``(row_count, columns)`` with columns in file order.
    """
    with tempfile.TemporaryDirectory(prefix="loom-profile-") as tmp:
        con = connect(Path(tmp))
        try:
            return profile_with(con, path)
        finally:
            con.close()


def sample_preview(path: Path, n: int, seed: int = 0) -> list[dict[str, Any]]:
    """Up to ``n`` rows sampled without replacement, in file order, JSON-safe.

    Row numbers are drawn with ``random.Random(seed)`` and read one row group
    at a time, so the same file and seed give the same preview whatever the
    thread count (DuckDB's REPEATABLE sampling is only stable single-threaded),
    and memory stays bounded by one row group.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    total = parquet.metadata.num_rows
    picked = sorted(random.Random(seed).sample(range(total), min(max(n, 0), total)))
    tables, start, cursor = [], 0, 0
    for group in range(parquet.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        local = []
        while cursor < len(picked) and picked[cursor] < start + size:
            local.append(picked[cursor] - start)
            cursor += 1
        if local:
            tables.append(parquet.read_row_group(group).take(pa.array(local)))
        start += size
    if not tables:
        return []
    rows = pa.concat_tables(tables).to_pylist()
    return [{key: json_safe(value) for key, value in row.items()} for row in rows]
