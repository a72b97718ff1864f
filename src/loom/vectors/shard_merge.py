"""Pure NumPy halves of sharding: which shard owns an id, and merging answers.

Kept apart from ``loom.vectors.sharding`` (which talks to Ray) so they can be
tested and reasoned about without a cluster.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray

from loom.vectors.results import GetResult, RangeResult, SearchResult


def shard_of(ids: NDArray[np.int64], shards: int) -> NDArray[np.int64]:
    """The shard of each id: splitmix64 of the id, modulo ``shards``.

    Stable across processes and Python versions (unlike ``hash``), and mixes
    sequential ids evenly over the shards.
    """
    with np.errstate(over="ignore"):
        z = ids.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(shards)).astype(np.int64)


def merge_top_k(
    parts: list[SearchResult], k: int, *, higher_is_closer: bool
) -> SearchResult:
    """The k best hits per query out of each shard's own top-k.

    Padding (id -1) always sorts last; ties keep shard order (stable sort).
    """
    ids = np.concatenate([p.ids for p in parts], axis=1)
    dist = np.concatenate([p.distances for p in parts], axis=1)
    key = (-dist if higher_is_closer else dist).astype(np.float64)
    key[ids < 0] = np.inf
    order = np.argsort(key, axis=1, kind="stable")[:, :k]
    fields: dict[str, list[list[Any]]] = {}
    for name in parts[0].fields:
        fields[name] = []
        for q in range(len(ids)):
            row = list(chain.from_iterable(p.fields[name][q] for p in parts))
            fields[name].append([row[j] for j in order[q].tolist()])
    strategies = {p.strategy for p in parts}
    return SearchResult(
        ids=np.take_along_axis(ids, order, axis=1),
        distances=np.take_along_axis(dist, order, axis=1),
        fields=fields,
        strategy=strategies.pop() if len(strategies) == 1 else "index+exact",
    )


def merge_range(parts: list[RangeResult], higher_is_closer: bool) -> RangeResult:
    """One query's range hits from every shard, best first."""
    ids = np.concatenate([p.ids for p in parts])
    dist = np.concatenate([p.distances for p in parts])
    order = np.argsort(-dist if higher_is_closer else dist, kind="stable").tolist()
    fields = {}
    for name in parts[0].fields:
        values = list(chain.from_iterable(p.fields[name] for p in parts))
        fields[name] = [values[j] for j in order]
    return RangeResult(ids[order], dist[order], fields)


def gather_rows(
    ids: NDArray[np.int64],
    owner: NDArray[np.int64],
    parts: list[GetResult],
    names: list[str],
    dim: int,
) -> GetResult:
    """Reassemble per-shard ``get`` answers in the order ``ids`` asked.

    Args:
        ids: the ids asked (repeats allowed).
        owner: the shard of each id (``shard_of``).
        parts: each shard's answer to the ids it owns.
        names: the fields asked.
        dim: the vector dimension (for an empty vector block).
    """
    where = {
        (s, i): n for s, p in enumerate(parts) for n, i in enumerate(p.ids.tolist())
    }
    found: list[int] = []
    hits: list[tuple[int, int]] = []
    missing: list[int] = []
    for s, i in zip(owner.tolist(), ids.tolist(), strict=True):
        n = where.get((s, i))
        if n is None:
            missing.append(i)
        else:
            found.append(i)
            hits.append((s, n))
    vectors = None
    if all(p.vectors is not None for p in parts):
        vectors = np.zeros((len(hits), dim), np.float32)
        for j, (s, n) in enumerate(hits):
            vectors[j] = parts[s].vectors[n]  # type: ignore[index]
    return GetResult(
        ids=np.array(found, dtype=np.int64),
        vectors=vectors,
        fields={name: [parts[s].fields[name][n] for s, n in hits] for name in names},
        missing=missing,
    )
