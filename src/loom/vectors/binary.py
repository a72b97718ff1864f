"""Binary payloads: Arrow IPC streams for bulk writes and results, ``.npy`` queries.

JSON costs ~20 bytes and a float parse per number; a 1,000 x 128 batch is
2.5 MB of text but 512 KB of float32. Bulk callers therefore send an Arrow IPC
stream (columns ``id`` int64, ``vector`` fixed_size_list<float32>[dim] or
list<float>, and field columns) or a NumPy ``.npy`` array of queries, and may
ask for search results as an Arrow IPC stream. ``.npy`` is always loaded with
``allow_pickle=False``: a pickle in a request body would run code on the server.
Pyarrow only (no faiss), so the SDK shares these helpers.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from loom.core.errors import InvalidInputError

ARROW_STREAM = "application/vnd.apache.arrow.stream"
NPY = "application/x-npy"
MAX_NPY_BYTES = 1 << 30


def _pa() -> Any:
    import pyarrow as pa

    return pa


def read_npy(body: bytes) -> NDArray[Any]:
    """A NumPy array from an ``.npy`` body, refusing pickled objects."""
    if len(body) > MAX_NPY_BYTES:
        raise InvalidInputError(f"the .npy body is larger than {MAX_NPY_BYTES} bytes")
    try:
        array = np.load(io.BytesIO(body), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InvalidInputError(f"the body is not a valid .npy array: {exc}") from None
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "iuf":
        raise InvalidInputError("the .npy array must hold numbers (float32 preferred)")
    return array


def write_npy(array: NDArray[Any]) -> bytes:
    """``array`` as ``.npy`` bytes (what the SDK sends for batch search)."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()


def vectors_from_column(column: Any, name: str = "vector") -> NDArray[np.float32]:
    """An (n, dim) float32 array from a fixed-size or variable list column.

    Raises:
        InvalidInputError: the column is not a list of numbers, holds nulls, or
            its rows have different lengths (naming the first bad row).
    """
    pa = _pa()
    column = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    n = len(column)
    if column.null_count:
        row = column.is_null().to_pylist().index(True)
        raise InvalidInputError(f"column {name!r} row {row} is null")
    if pa.types.is_fixed_size_list(column.type):
        dim = column.type.list_size
        flat = column.flatten()
    elif pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        lengths = np.asarray(column.value_lengths().to_numpy(zero_copy_only=False))
        dim = int(lengths[0]) if n else 0
        if n and (lengths != dim).any():
            row = int(np.flatnonzero(lengths != dim)[0])
            raise InvalidInputError(
                f"column {name!r} row {row} has {int(lengths[row])} numbers, "
                f"row 0 has {dim}"
            )
        flat = column.flatten()
    else:
        raise InvalidInputError(
            f"column {name!r} must be a list of numbers; got {column.type}"
        )
    if not (pa.types.is_floating(flat.type) or pa.types.is_integer(flat.type)):
        raise InvalidInputError(f"column {name!r} must hold numbers; got {flat.type}")
    if flat.null_count:
        raise InvalidInputError(f"column {name!r} holds a null number")
    values = flat.to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    return values.reshape(n, dim) if n else np.zeros((0, dim), dtype=np.float32)


def read_arrow_rows(
    body: bytes,
) -> tuple[NDArray[np.int64], NDArray[np.float32], dict[str, list[Any]]]:
    """Ids, vectors and field columns from an Arrow IPC stream body.

    Raises:
        InvalidInputError: not an Arrow stream, or ``id`` / ``vector`` missing
            or of the wrong type.
    """
    pa = _pa()
    try:
        table = pa.ipc.open_stream(pa.py_buffer(body)).read_all()
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidInputError(f"the body is not an Arrow IPC stream: {exc}") from None
    for needed in ("id", "vector"):
        if needed not in table.column_names:
            raise InvalidInputError(
                f"the Arrow stream needs an {needed!r} column; got {table.column_names}"
            )
    id_col = table.column("id")
    if not pa.types.is_integer(id_col.type) or id_col.null_count:
        raise InvalidInputError(
            f"column 'id' must be non-null integers; got {id_col.type}"
        )
    ids = id_col.to_numpy().astype(np.int64, copy=False)
    vectors = vectors_from_column(table.column("vector"))
    fields = {
        name: table.column(name).to_pylist()
        for name in table.column_names
        if name not in ("id", "vector")
    }
    return ids, vectors, fields


def write_arrow_rows(
    ids: Sequence[int] | NDArray[Any],
    vectors: NDArray[Any],
    fields: Mapping[str, Sequence[Any]] | None = None,
) -> bytes:
    """An Arrow IPC stream of rows (what the SDK and the fill job send)."""
    pa = _pa()
    vecs = np.ascontiguousarray(vectors, dtype=np.float32)
    if vecs.ndim != 2:
        raise InvalidInputError(f"vectors must be 2-D; got shape {vecs.shape}")
    columns = {
        "id": pa.array(np.asarray(ids, dtype=np.int64)),
        "vector": pa.FixedSizeListArray.from_arrays(
            pa.array(vecs.ravel()), vecs.shape[1]
        ),
    }
    for name, values in (fields or {}).items():
        columns[name] = pa.array(list(values))
    return _stream(pa.table(columns))


def _stream(table: Any) -> bytes:
    pa = _pa()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def search_results_to_arrow(
    ids: NDArray[np.int64],
    distances: NDArray[np.float32],
    fields: Mapping[str, list[list[Any]]],
) -> bytes:
    """Long-format results: one row per (query, rank) hit, padding dropped."""
    pa = _pa()
    nq, k = ids.shape
    keep = ids.ravel() >= 0
    query = np.repeat(np.arange(nq, dtype=np.int32), k)[keep]
    rank = np.tile(np.arange(k, dtype=np.int32), nq)[keep]
    columns: dict[str, Any] = {
        "query": pa.array(query),
        "rank": pa.array(rank),
        "id": pa.array(ids.ravel()[keep]),
        "distance": pa.array(distances.ravel()[keep].astype(np.float32)),
    }
    positions = np.flatnonzero(keep).tolist()
    for name, per_query in fields.items():
        flat = [v for row in per_query for v in row]
        columns[name] = pa.array([flat[p] for p in positions])
    return _stream(pa.table(columns))


def arrow_to_search_results(
    body: bytes, nq: int, k: int
) -> tuple[NDArray[np.int64], NDArray[np.float32], dict[str, list[list[Any]]]]:
    """The (nq, k) ids / distances / fields from a long-format results stream.

    Missing hits are padded with id -1, distance NaN and field None.
    """
    pa = _pa()
    table = pa.ipc.open_stream(pa.py_buffer(body)).read_all()
    query = table.column("query").to_numpy()
    rank = table.column("rank").to_numpy()
    ids = np.full((nq, k), -1, dtype=np.int64)
    dist = np.full((nq, k), np.nan, dtype=np.float32)
    ids[query, rank] = table.column("id").to_numpy()
    dist[query, rank] = table.column("distance").to_numpy()
    fields: dict[str, list[list[Any]]] = {}
    for name in table.column_names[4:]:
        grid: list[list[Any]] = [[None] * k for _ in range(nq)]
        values = table.column(name).to_pylist()
        for q, r, v in zip(query.tolist(), rank.tolist(), values, strict=True):
            grid[q][r] = v
        fields[name] = grid
    return ids, dist, fields
