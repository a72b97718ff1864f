"""Recall you can see: an index measured against exact search on a sample.

Recall@k is the share of the exact top-k (brute force over the collection's
raw float32 vectors, what a ``Flat`` index would answer) that the index also
returns. Latency is measured one query at a time, as an interactive caller
sees it; throughput with one batched call, as a bulk job sees it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from loom.core.errors import InvalidInputError
from loom.vectors.schema import IndexSpec

if TYPE_CHECKING:
    from loom.vectors.sharding import AnyCollection


class EvaluationReport(BaseModel):
    """Recall, latency and memory of one collection's current index."""

    index: IndexSpec
    k: int
    n_queries: int
    queries_from: str  # "given" or "sample" (rows of the collection)
    recall_at_k: float
    latency_ms: dict[str, float]  # p50 / p95 / p99 of single-query searches
    batch_qps: float
    count: int
    memory_bytes: dict[str, int]
    nprobe: int | None = None
    ef_search: int | None = None
    rerank: int | None = None


def evaluate(
    collection: AnyCollection,
    queries: Any = None,
    *,
    sample: int = 100,
    k: int = 10,
    nprobe: int | None = None,
    ef_search: int | None = None,
    rerank: int | None = None,
    seed: int = 0,
) -> EvaluationReport:
    """Measure recall@k, latency and QPS of ``collection``'s index.

    Args:
        collection: an open collection with at least one row.
        queries: query vectors; when None, ``sample`` stored vectors are used.
            Sampled queries are in the collection, so each finds itself, which
            flatters recall a little against held-out queries.
        sample: how many stored rows to draw as queries.
        k: neighbours per query.
        nprobe / ef_search / rerank: search settings under test.
        seed: seeds the sample.
    """
    if queries is None:
        queries = _sample_queries(collection, sample, seed)
        source = "sample"
    else:
        source = "given"

    def run(q: Any) -> np.ndarray:
        found = collection.search(
            q, k, nprobe=nprobe, ef_search=ef_search, rerank=rerank
        )
        return found.ids

    truth = collection.search(queries, k, exact=True).ids
    recall = _recall(truth, run(queries))
    q = np.asarray(queries, dtype=np.float32).reshape(len(truth), -1)
    timings = []
    for row in q:
        start = time.perf_counter()
        run(row)
        timings.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    run(q)
    batch_s = time.perf_counter() - start
    stats = collection.stats()
    p50, p95, p99 = np.percentile(timings, [50, 95, 99]).tolist()
    return EvaluationReport(
        index=stats.index,
        k=k,
        n_queries=len(q),
        queries_from=source,
        recall_at_k=recall,
        latency_ms={"p50": p50, "p95": p95, "p99": p99},
        batch_qps=len(q) / batch_s if batch_s > 0 else float(len(q)),
        count=stats.count,
        memory_bytes=stats.memory_bytes,
        nprobe=nprobe,
        ef_search=ef_search,
        rerank=rerank,
    )


def _sample_queries(collection: AnyCollection, sample: int, seed: int) -> np.ndarray:
    if sample < 1:
        raise InvalidInputError(f"sample must be at least 1; got {sample}")
    ids = collection.live_ids()
    if len(ids) == 0:
        raise InvalidInputError(f"collection {collection.schema.name!r} is empty")
    rng = np.random.default_rng(seed)
    chosen = rng.choice(ids, size=min(sample, len(ids)), replace=False)
    vectors = collection.get(chosen, [], include_vectors=True).vectors
    assert vectors is not None
    return vectors


def _recall(truth: np.ndarray, found: np.ndarray) -> float:
    """Share of valid exact neighbours that the index also returned."""
    hits = total = 0
    for t, f in zip(truth, found, strict=True):
        wanted = set(t[t >= 0].tolist())
        hits += len(wanted & set(f.tolist()))
        total += len(wanted)
    return hits / total if total else 1.0
