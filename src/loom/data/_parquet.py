"""Deterministic Parquet writing, content hashing and JSON-safe values."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import hashlib
import math
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

# Fixed writer settings: the same rows must give the same bytes (and so the same
# version id) whatever batch sizes the reader happened to produce.
ROW_GROUP_ROWS = 65_536
_WRITER_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
}


def write_batches(
    batches: Iterable[pa.RecordBatch], schema: pa.Schema, path: Path
) -> int:
    """Write record batches to ``path`` as Parquet with fixed-size row groups.

    Rows are re-chunked into groups of exactly ``ROW_GROUP_ROWS`` so the output
    depends only on the data; the file is written under a temporary name and
    renamed at the end, so a failure never leaves a partial ``.parquet`` behind.

    Returns:
        The number of rows written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = schema.remove_metadata()
    tmp = path.with_name(path.name + ".partial")
    rows = 0
    try:
        with pq.ParquetWriter(tmp, schema, **_WRITER_OPTIONS) as writer:
            pending: list[pa.RecordBatch] = []
            pending_rows = 0
            for batch in batches:
                pending.append(batch.replace_schema_metadata(None))
                pending_rows += batch.num_rows
                while pending_rows >= ROW_GROUP_ROWS:
                    table = pa.Table.from_batches(pending, schema)
                    _write_group(writer, table.slice(0, ROW_GROUP_ROWS))
                    rest = table.slice(ROW_GROUP_ROWS)
                    pending, pending_rows = rest.to_batches(), rest.num_rows
                    rows += ROW_GROUP_ROWS
            if pending_rows:
                _write_group(writer, pa.Table.from_batches(pending, schema))
                rows += pending_rows
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        raise
    return rows


def _write_group(writer: Any, table: pa.Table) -> None:
    # One contiguous chunk per column: page boundaries then depend on the data
    # only, not on how the reader chunked it.
    writer.write_table(table.combine_chunks(), row_group_size=ROW_GROUP_ROWS)


def write_frame_parquet(df: Any, path: Path) -> str:
    """Write a pandas DataFrame deterministically and return the file's sha256.

    The index is dropped and pandas metadata stripped, so equal frames give
    equal bytes across pandas versions.
    """
    import pyarrow as pa

    table = pa.Table.from_pandas(df, preserve_index=False)
    write_batches(table.to_batches(), table.schema, path)
    return sha256_file(path)


def sha256_file(path: Path) -> str:
    """The sha256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def remove_quietly(path: Path) -> None:
    """Delete a file if it exists; cleanup must never mask the original error."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def json_safe(value: Any) -> Any:
    """A value that ``json.dumps`` accepts and that means the same to a reader.

    Datetimes become ISO strings, NaN/inf become None, decimals become floats,
    bytes become base64, and containers are converted recursively.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return json_safe(float(value))
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return json_safe(value.item())
    return str(value)
