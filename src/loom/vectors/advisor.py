"""Which Faiss index to use for a collection, and why, in plain language.

The rules follow the usual trade-offs between speed, memory and accuracy:
a flat scan is exact and needs no training but costs O(n) per query; IVF
visits only ``nprobe`` of ``nlist`` cells (``nlist ≈ 4·√n``; ``nprobe`` is the
speed/recall dial); PQ compresses each vector to ``m`` bytes at a recall cost
that exact re-ranking of a few candidates buys back; HNSW answers fastest at
high recall but stores a graph of ~2·M links per vector on top of the vectors;
a PCA pre-transform shrinks very wide vectors before any of these.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from loom.core.errors import InvalidInputError
from loom.vectors.schema import IndexSpec

FLAT_MAX_ROWS = 50_000
HNSW_M = 32
# Faiss's k-means wants ~39 training points per centroid; fewer cells then.
MIN_POINTS_PER_CELL = 39
_PQ_SIZES = (64, 48, 32, 24, 16, 12, 8, 4, 2, 1)


class IndexAdvice(BaseModel):
    """A suggested index spec, the search settings to start from and why."""

    index: IndexSpec
    reason: str
    estimated_index_bytes: int
    nprobe: int | None = None
    ef_search: int | None = None


def suggest_nlist(n: int) -> int:
    """IVF cells: the power of two nearest 4·√n, at most n / 39."""
    target = 4 * math.sqrt(max(n, 1))
    nlist = int(2 ** round(math.log2(target)))
    return max(1, min(nlist, n // MIN_POINTS_PER_CELL))


def _mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f} MiB"


def suggest_index(
    n: int,
    dim: int,
    memory_budget_bytes: int | None = None,
    recall_target: float = 0.95,
) -> IndexAdvice:
    """Suggest an index spec for ``n`` vectors of ``dim`` floats.

    Args:
        n: expected number of vectors.
        dim: vector dimension.
        memory_budget_bytes: bytes the index may use (None: no limit). Loom
            also keeps the raw float32 vectors (n·dim·4 bytes) for exact
            re-ranking and rebuilds; that copy is not part of this budget.
        recall_target: desired recall@10 against exact search.
    """
    if n < 1 or dim < 1 or not 0 < recall_target <= 1:
        raise InvalidInputError(
            f"need n >= 1, dim >= 1 and 0 < recall_target <= 1; got n={n}, "
            f"dim={dim}, recall_target={recall_target}"
        )
    flat = n * dim * 4
    budget = memory_budget_bytes
    if n < FLAT_MAX_ROWS and (budget is None or flat <= budget):
        return IndexAdvice(
            index=IndexSpec(factory="Flat"),
            reason=(
                f"{n:,} vectors is small: an exact scan ({_mib(flat)}) answers in "
                "well under a millisecond per query, needs no training and has "
                "recall 1.0."
            ),
            estimated_index_bytes=flat,
        )
    nlist = suggest_nlist(n)
    nprobe = max(1, nlist // (8 if recall_target >= 0.95 else 32))
    hnsw = n * (dim * 4 + 2 * HNSW_M * 4 + 16)
    if budget is None or hnsw <= budget:
        ef = 128 if recall_target >= 0.98 else 64
        return IndexAdvice(
            index=IndexSpec(factory=f"HNSW{HNSW_M}"),
            reason=(
                f"memory allows a graph index ({_mib(hnsw)}): HNSW{HNSW_M} gives the "
                f"lowest latency at recall ≈{recall_target} with efSearch={ef}; it "
                "needs no training, but deletions stay as tombstones until a rebuild."
            ),
            estimated_index_bytes=hnsw,
            ef_search=ef,
        )
    ivf_flat = flat + n * 8 + nlist * dim * 4
    if ivf_flat <= budget:
        return IndexAdvice(
            index=IndexSpec(factory=f"IVF{nlist},Flat"),
            reason=(
                f"the budget ({_mib(budget)}) is below HNSW's {_mib(hnsw)} but holds "
                f"the full vectors: IVF{nlist},Flat (nlist ≈ 4·√n) visits "
                f"nprobe={nprobe} cells per query; raise nprobe for recall."
            ),
            estimated_index_bytes=ivf_flat,
            nprobe=nprobe,
        )
    return _compressed(n, dim, budget, nlist, nprobe)


def _compressed(n: int, dim: int, budget: int, nlist: int, nprobe: int) -> IndexAdvice:
    """PQ (after PCA for wide vectors) when full vectors do not fit."""
    per_vector = budget / n - 8  # 8 bytes of id per vector in IVF lists
    reduced = dim
    prefix = ""
    if dim >= 256:
        reduced = min(128, dim // 2)
        prefix = f"PCA{reduced},"
    m = next((m for m in _PQ_SIZES if m <= per_vector and reduced % m == 0), 0)
    if m == 0:
        raise InvalidInputError(
            f"a budget of {budget:,} bytes leaves {per_vector:.1f} bytes per vector "
            f"for {n:,} vectors; no index fits (PQ needs 1 byte + 8 for the id)"
        )
    spec = f"{prefix}IVF{nlist},PQ{m}"
    bytes_needed = (
        n * (m + 8) + nlist * reduced * 4 + (dim * reduced * 4 if prefix else 0)
    )
    pca_note = (
        f" PCA first reduces {dim} to {reduced} dimensions so the codebooks stay small."
        if prefix
        else ""
    )
    return IndexAdvice(
        index=IndexSpec(factory=spec, refine=True),
        reason=(
            f"memory is tight ({_mib(budget)} for {n:,} vectors = {per_vector:.0f} "
            f"bytes each): PQ{m} stores each vector in {m} bytes instead of "
            f"{dim * 4}, and refine re-ranks 4·k candidates exactly to recover the "
            f"recall PQ loses; IVF{nlist} with nprobe={nprobe} limits the scan."
            f"{pca_note}"
        ),
        estimated_index_bytes=bytes_needed,
        nprobe=nprobe,
    )
