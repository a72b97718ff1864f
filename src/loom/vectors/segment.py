"""Rows (ids, raw vectors, fields, liveness) plus their index, and search over them.

A segment is the unit a rebuild replaces: the collection builds a new segment
from the live rows in the background and swaps it in. Rows live in append-only
*slots*; an upsert kills the old slot and appends a new one, so the index,
the field columns and the vector matrix never need in-place updates.

The raw float32 vectors are kept beside the index on purpose: they serve exact
re-ranking, exact fallback for very selective filters, untrained IVF indexes,
``get``, evaluation and rebuilds with a different spec. A compressed index
(PQ) alone could do none of these. Flat and HNSW-Flat indexes already hold
exactly those float32 vectors (an ``IndexFlat``), so for them the segment keeps
no copy and reads the index's buffer (``FaissIndex.raw_vectors``): a second
copy was 38-50 % of such a collection's memory.

Filtered search rule (measured on GloVe-50 200k, cosine, 2 busy cores; the
figures are in NOTES.md): when a filter leaves at most ``EXACT_FILTER_ROWS``
rows, an exact scan over just those rows costs at most ~0.35 ms a query in a
batch and has recall 1.0, where the index with a selector reached only
0.54-0.80 (HNSW32, efSearch 64) or 0.43-0.63 (IVF1024, nprobe 16). Above it,
the filter goes into the index as a selector. For IVF, ``nprobe`` is raised so
the probed cells hold about twice the requested candidates, and scaled by
1/sqrt(selectivity), since the nearest *matching* rows lie farther out (at
selectivity 0.1 recall went 0.63 → 0.88 from nprobe 16 → 64). Any query that
still returns fewer than ``min(k, matches)`` hits is answered by the exact
scan, so k results come back whenever k rows match.
"""

from __future__ import annotations

import math
from typing import Any

import faiss as _faiss
import numpy as np
from numpy.typing import NDArray

from loom.vectors.fields import FieldStore, Growable, Mask, Matrix
from loom.vectors.idmap import IdMap
from loom.vectors.index import FaissIndex, faiss_metric
from loom.vectors.schema import CollectionSchema, CollectionStats
from loom.vectors.wal import WalRecord

# faiss 1.15 ships partial stubs (no SearchParametersHNSW/PQ, no SWIG keyword
# constructors, vectors typed as lists); treat the module as untyped.
faiss: Any = _faiss

# At or below this many matching rows a filtered search scans them exactly.
EXACT_FILTER_ROWS = 20_000
_NO_IDS = np.zeros(0, dtype=np.int64)
# Multiply-adds under which one search answers in well under 1 ms on one core.
QUICK_SEARCH_WORK = 4_000_000


class Segment:
    """Live rows and their index for one collection (not thread-safe itself).

    Args:
        schema: the collection's schema; ``schema.index`` picks the index.
    """

    def __init__(self, schema: CollectionSchema) -> None:
        self.schema = schema
        self.index = FaissIndex(schema.dim, schema.metric, schema.index.factory)
        self.vectors = Matrix(schema.dim)
        self.slot_ids = Growable(np.int64, -1)
        self.alive = Growable(np.bool_, False)
        self.id_map = IdMap()
        self.fields = FieldStore(schema.field_types())
        self.tombstones = 0  # dead slots still inside the index (HNSW)
        # Rows the index held when it was last built in one go (Segment.build,
        # or a snapshot load); growth past it is incremental (see
        # Collection._maybe_compact for why HNSW cares).
        self.bulk_rows = 0

    @property
    def n_slots(self) -> int:
        return self.slot_ids.size

    @property
    def count(self) -> int:
        return len(self.id_map)

    @property
    def index_holds_vectors(self) -> bool:
        """Whether the raw vectors are read from the index (Flat, HNSW-Flat)."""
        return bool(self.index.stores_float32)

    def slots_of(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Slot of each id, -1 where the id is absent."""
        return self.id_map.lookup(ids)

    def vectors_of(self, slots: NDArray[np.int64]) -> NDArray[np.float32]:
        """A copy of the raw vectors of live ``slots`` (any shape of slots)."""
        if not self.index_holds_vectors:
            return self.vectors.view[slots]
        if self.index.ntotal == 0:
            return np.zeros((*np.shape(slots), self.schema.dim), dtype=np.float32)
        return self.index.raw_vectors()[self.index.positions_of(slots)]

    def scan_base(
        self, allowed: Mask | None
    ) -> tuple[NDArray[np.float32], NDArray[np.int64] | None]:
        """Vectors an exact scan reads, and the slot of each row (None: row = slot).

        ``allowed`` None means every live row. The base is a view when every
        row qualifies and a gathered copy otherwise.
        """
        if self.index_holds_vectors:
            base, row_slots = self.index.raw_vectors(), self.index.index_slots
            if allowed is None and self.count == len(base):
                return base, row_slots
            keep = (self.alive.view if allowed is None else allowed)[row_slots]
        else:
            base, row_slots = self.vectors.view, None
            if allowed is None and self.count == self.n_slots:
                return base, None
            keep = self.alive.view if allowed is None else allowed
        rows = np.flatnonzero(keep)
        return base[rows], rows if row_slots is None else row_slots[rows]

    @classmethod
    def build(
        cls,
        schema: CollectionSchema,
        ids: NDArray[np.int64],
        vectors: NDArray[np.float32],
        columns: dict[str, list[Any]],
    ) -> Segment:
        """A fresh segment holding these rows, its index trained if needed."""
        segment = cls(schema)
        segment.upsert(ids, vectors, columns)
        if not segment.index.is_trained and segment.count:
            segment.train()
        segment.bulk_rows = segment.count
        return segment

    # ----------------------------------------------------------------- writes
    def apply(self, record: WalRecord) -> None:
        """Apply one logged operation (live write, WAL replay or rebuild catch-up)."""
        if record.op == "upsert":
            assert record.vectors is not None
            self.upsert(record.ids, record.vectors, record.fields)
        else:
            self.delete(record.ids)

    def upsert(
        self,
        ids: NDArray[np.int64],
        vectors: NDArray[np.float32],
        columns: dict[str, list[Any]],
    ) -> None:
        """Replace or add rows; inputs are already validated and normalised."""
        self.delete(ids)
        start = self.n_slots
        slots = np.arange(start, start + len(ids), dtype=np.int64)
        if not self.index_holds_vectors:
            self.vectors.extend(vectors)
        self.slot_ids.extend(ids)
        self.alive.extend(np.ones(len(ids), dtype=bool))
        self.fields.append(columns, len(ids))
        self.id_map.assign(ids, slots)
        if self.index.is_trained:
            self.index.add(slots, vectors)

    def delete(self, ids: NDArray[np.int64]) -> int:
        """Kill the rows of ``ids`` that exist; returns how many died."""
        slots = self.slots_of(ids)
        slots = slots[slots >= 0]
        if len(slots) == 0:
            return 0
        slots = np.unique(slots)
        self.id_map.remove(self.slot_ids.view[slots])
        self.alive.view[slots] = False
        if self.index.is_trained and not self.index.remove(slots):
            self.tombstones += len(slots)
        return len(slots)

    def train(self, seed: int = 0) -> None:
        """Train the index on a sample of live rows and add every live row."""
        live = np.flatnonzero(self.alive.view)
        n_sample = min(len(live), self.index.training_size())
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(live, size=n_sample, replace=False))
        self.index.train(self.vectors_of(sample))
        self.index.add(live.astype(np.int64), self.vectors_of(live))

    def live_rows(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(slots, ids) of live rows in slot order."""
        live = np.flatnonzero(self.alive.view).astype(np.int64)
        return live, self.slot_ids.view[live]

    def memory_bytes(self) -> dict[str, int]:
        """Bytes held by the index, the raw vectors, the fields and the id map."""
        id_map = self.slot_ids.nbytes + self.alive.nbytes + self.id_map.nbytes
        return {
            "index": self.index.memory_bytes(),
            "vectors": self.vectors.nbytes,
            "fields": self.fields.nbytes(),
            "ids": id_map,
        }

    def stats(self, **counters: Any) -> CollectionStats:
        """Size, index state and memory, plus the collection's WAL counters."""
        memory = self.memory_bytes()
        return CollectionStats(
            name=self.schema.name,
            dim=self.schema.dim,
            metric=self.schema.metric,
            index=self.schema.index,
            count=self.count,
            slots=self.n_slots,
            tombstones=self.tombstones,
            is_trained=self.index.is_trained,
            indexed=self.index.ntotal,
            nlist=self.index.nlist,
            memory_bytes={**memory, "total": sum(memory.values())},
            **counters,
        )

    # ---------------------------------------------------------------- search
    def is_quick(
        self,
        nq: int,
        *,
        filter: str | None = None,
        nprobe: int | None = None,
        ef_search: int | None = None,
        rerank: int | None = None,
        exact: bool = False,
    ) -> bool:
        """Whether a search costs at most ``QUICK_SEARCH_WORK`` multiply-adds.

        A filter or ``exact`` touches every row; IVF compares the probed
        cells' share of rows; HNSW about M (32) neighbours per candidate kept.
        """
        idx = self.index
        if exact or filter or not idx.is_trained or idx.ntotal == 0:
            rows = self.n_slots
        elif idx.nlist:
            probed = min(nprobe or int(idx.ivf.nprobe), idx.nlist)
            rows = self.count * probed // idx.nlist
        elif idx.is_hnsw:
            rows = 32 * (ef_search or int(idx.leaf.hnsw.efSearch))
        else:
            rows = self.count  # Flat, PQ, SQ: a full scan
        return nq * (rows + (rerank or 0)) * self.schema.dim <= QUICK_SEARCH_WORK

    def search(
        self,
        queries: NDArray[np.float32],
        k: int,
        mask: Mask | None = None,
        *,
        nprobe: int | None = None,
        ef_search: int | None = None,
        rerank: int | None = None,
    ) -> tuple[NDArray[np.float32], NDArray[np.int64], str]:
        """Top-k (distances, slots, strategy) per query.

        ``strategy`` is ``"index"``, ``"exact"`` or ``"index+exact"`` (some
        queries fell back to the exact scan to return enough hits).
        """
        alive = self.alive.view
        allowed = None if mask is None else mask & alive
        if allowed is None and self.tombstones:
            allowed = alive
        n_match = self.count if mask is None else int(allowed.sum())  # type: ignore[union-attr]
        if n_match == 0:
            return self._empty(len(queries), k)
        if rerank is None and self.schema.index.refine:
            rerank = k * self.schema.index.refine_factor
        fetch = max(k, rerank or 0)
        if (
            not self.index.is_trained
            or self.index.ntotal == 0
            or (mask is not None and n_match <= EXACT_FILTER_ROWS)
        ):
            dist, slots = self.exact(queries, k, allowed)
            return dist, slots, "exact"
        if mask is not None and self.index.nlist:
            base = nprobe or int(self.index.ivf.nprobe)
            enough_rows = math.ceil(2 * fetch * self.index.nlist / n_match)
            keep_recall = math.ceil(base / math.sqrt(n_match / self.count))
            nprobe = min(self.index.nlist, max(base, enough_rows, keep_recall))
        dist, slots = self.index.search(
            queries, fetch, allowed, nprobe=nprobe, ef_search=ef_search
        )
        if fetch > k:
            dist, slots = self.rerank(queries, slots, k)
        short = (slots >= 0).sum(axis=1) < min(k, n_match)
        if not short.any():
            return dist, slots, "index"
        ex_dist, ex_slots = self.exact(queries[short], k, allowed)
        dist[short], slots[short] = ex_dist, ex_slots
        return dist, slots, "index+exact"

    def _empty(
        self, nq: int, k: int
    ) -> tuple[NDArray[np.float32], NDArray[np.int64], str]:
        return (
            np.full((nq, k), self._worst, dtype=np.float32),
            np.full((nq, k), -1, dtype=np.int64),
            "exact",
        )

    @property
    def _worst(self) -> float:
        return float("inf") if self.schema.metric == "l2" else float("-inf")

    def exact(
        self, queries: NDArray[np.float32], k: int, allowed: Mask | None
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Brute-force top-k over live rows (or over ``allowed`` rows)."""
        base, row_slots = self.scan_base(allowed)
        nq = len(queries)
        dist = np.full((nq, k), self._worst, dtype=np.float32)
        slots = np.full((nq, k), -1, dtype=np.int64)
        kk = min(k, len(base))
        if kk == 0:
            return dist, slots
        d, i = faiss.knn(queries, base, kk, metric=faiss_metric(self.schema.metric))
        dist[:, :kk] = d
        slots[:, :kk] = i if row_slots is None else np.where(i >= 0, row_slots[i], -1)
        return dist, slots

    def rerank(
        self, queries: NDArray[np.float32], slots: NDArray[np.int64], k: int
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Re-score candidate slots with exact distances and keep the best k."""
        valid = slots >= 0
        vecs = self.vectors_of(np.where(valid, slots, 0))
        if self.schema.metric == "l2":
            exact = ((vecs - queries[:, None, :]) ** 2).sum(axis=2)
            exact[~valid] = np.inf
            order = np.argsort(exact, axis=1, kind="stable")[:, :k]
        else:
            exact = np.einsum("qcd,qd->qc", vecs, queries)
            exact[~valid] = -np.inf
            order = np.argsort(-exact, axis=1, kind="stable")[:, :k]
        rows = np.arange(len(slots))[:, None]
        return exact[rows, order].astype(np.float32), slots[rows, order]

    def range_search(
        self,
        queries: NDArray[np.float32],
        radius: float,
        mask: Mask | None = None,
        *,
        nprobe: int | None = None,
        ef_search: int | None = None,
    ) -> list[tuple[NDArray[np.float32], NDArray[np.int64]]]:
        """Per query, (distances, slots) of rows within ``radius``, best first.

        L2: squared distance < radius; ip/cosine: score > radius (Faiss's rule).
        """
        alive = self.alive.view
        allowed = alive if mask is None else mask & alive
        if self.index.is_trained and self.index.ntotal:
            sel = allowed if (mask is not None or self.tombstones) else None
            try:
                lims, dist, slots = self.index.range_search(
                    queries, radius, sel, nprobe=nprobe, ef_search=ef_search
                )
            except RuntimeError:
                pass  # this family has no range search (e.g. PQ): scan exactly
            else:
                return self._ranked(lims, dist, slots)
        rows, row_slots = self.scan_base(allowed)
        base = faiss.IndexFlat(self.schema.dim, faiss_metric(self.schema.metric))
        base.add(rows)
        lims, dist, pos = base.range_search(queries, float(radius))
        return self._ranked(lims, dist, pos if row_slots is None else row_slots[pos])

    def _ranked(
        self, lims: NDArray[np.int64], dist: NDArray[np.float32], slots: NDArray[Any]
    ) -> list[tuple[NDArray[np.float32], NDArray[np.int64]]]:
        """Split Faiss's CSR range answer per query, closest first."""
        out = []
        for q in range(len(lims) - 1):
            d, s = dist[lims[q] : lims[q + 1]], slots[lims[q] : lims[q + 1]]
            order = np.argsort(-d if self.schema.higher_is_closer else d, kind="stable")
            out.append((d[order], s[order].astype(np.int64)))
        return out
