"""Checks on ids, vectors and search arguments before anything is written.

Every check runs before the WAL append, so bad input leaves the collection
(rows, index, WAL bytes) exactly as it was. Messages name the row index, the
field or the parameter, and the value received.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from loom.core.errors import InvalidInputError
from loom.vectors.filters import CompiledFilter, compile_filter
from loom.vectors.schema import CollectionSchema

MAX_K = 16_384
_INT64_MAX = np.iinfo(np.int64).max


def check_ids(ids: Any, *, allow_repeats: bool = False) -> NDArray[np.int64]:
    """Ids as a 1-D int64 array; rejects floats, bools, overflow, repeats."""
    if isinstance(ids, int | np.integer) and not isinstance(ids, bool):
        ids = [ids]
    try:
        arr = np.asarray(ids)
    except (ValueError, TypeError, OverflowError):
        raise InvalidInputError("ids must be a list of int64 integers") from None
    if arr.ndim != 1:
        raise InvalidInputError(f"ids must be one-dimensional; got shape {arr.shape}")
    if len(arr) == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind == "u" and int(arr.max()) > _INT64_MAX:
        raise InvalidInputError("ids must fit in int64; the largest id is too big")
    if arr.dtype.kind not in "iu":
        bad = next((i for i, v in enumerate(arr.tolist()) if not _is_int(v)), 0)
        raise InvalidInputError(
            f"ids must be int64 integers; row {bad} is {arr.tolist()[bad]!r}"
        )
    out = arr.astype(np.int64)
    if not allow_repeats:
        uniq, counts = np.unique(out, return_counts=True)
        if len(uniq) != len(out):
            dup = int(uniq[counts > 1][0])
            raise InvalidInputError(f"id {dup} appears more than once in this call")
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_vectors(
    schema: CollectionSchema, vectors: Any, n: int | None, what: str = "vectors"
) -> NDArray[np.float32]:
    """A C-contiguous (n, dim) float32 array, finite, normalised for cosine.

    Args:
        schema: gives ``dim`` and ``metric``.
        vectors: anything ``np.asarray`` accepts; one vector may be 1-D.
        n: the expected number of rows (``len(ids)``), or None for queries.
        what: "vectors" or "queries", for the message.
    """
    try:
        # Values beyond float32's range become inf here and are rejected below.
        with np.errstate(over="ignore", invalid="ignore"):
            arr = np.asarray(vectors, dtype=np.float32)
    except (ValueError, TypeError):
        raise InvalidInputError(
            f"{what} must be numbers of shape (n, {schema.dim})"
        ) from None
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != schema.dim:
        raise InvalidInputError(
            f"{what} have dimension {arr.shape[-1] if arr.ndim else 0}, "
            f"the collection {schema.name!r} expects {schema.dim}"
        )
    if n is not None and len(arr) != n:
        raise InvalidInputError(f"{what} has {len(arr)} rows but ids has {n}")
    finite = np.isfinite(arr).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise InvalidInputError(f"{what} row {row} contains NaN or infinity")
    if schema.metric == "cosine":
        norms = np.linalg.norm(arr, axis=1, keepdims=True)
        if (norms == 0).any():
            row = int(np.flatnonzero(norms[:, 0] == 0)[0])
            raise InvalidInputError(
                f"{what} row {row} is all zeros; cosine needs a direction"
            )
        arr = arr / norms
    return np.ascontiguousarray(arr, dtype=np.float32)


def check_positive(name: str, value: int | None, *, upper: int | None = None) -> None:
    """Reject a non-positive (or too large) optional integer parameter."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidInputError(f"{name} must be a positive integer; got {value!r}")
    if upper is not None and value > upper:
        raise InvalidInputError(f"{name} must be at most {upper}; got {value}")


def check_search_args(
    k: int, nprobe: int | None, ef_search: int | None, rerank: int | None
) -> None:
    """Reject out-of-range search settings before any lock is taken."""
    check_positive("k", k, upper=MAX_K)
    check_positive("nprobe", nprobe)
    check_positive("ef_search", ef_search)
    check_positive("rerank", rerank, upper=MAX_K)


def check_range_args(radius: float, nprobe: int | None, ef_search: int | None) -> None:
    """Reject a non-finite radius or out-of-range settings of a range search."""
    if not np.isfinite(radius):
        raise InvalidInputError(f"radius must be a finite number; got {radius!r}")
    check_positive("nprobe", nprobe)
    check_positive("ef_search", ef_search)


def check_query(
    schema: CollectionSchema,
    queries: Any,
    fields: Sequence[str],
    filter: str | None,
) -> tuple[NDArray[np.float32], list[str], CompiledFilter | None]:
    """A search's queries, output fields and compiled filter, checked up front.

    One place for both ``Collection`` and ``ShardedCollection``, so a bad
    query fails the same way (and before any lock or shard fan-out) in each.
    """
    q = check_vectors(schema, queries, None, "queries")
    names = check_field_names(schema, fields)
    compiled = compile_filter(filter, schema.field_types()) if filter else None
    return q, names, compiled


def check_field_names(schema: CollectionSchema, names: Sequence[str]) -> list[str]:
    """Requested output fields, each of which must exist."""
    known = schema.field_types()
    for name in names:
        if name not in known:
            raise InvalidInputError(
                f"unknown field {name!r} requested; fields are {sorted(known)}"
            )
    return list(names)
