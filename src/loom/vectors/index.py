"""A Faiss index addressed by row slots, with filters passed into the search.

Faiss index families differ in how they hold ids, and this module hides that:

* IVF indexes (``IVF…``, optionally behind a ``PCA``/``OPQ`` pre-transform)
  store ids natively, so slots go in with ``add_with_ids`` and removal works.
  ``IndexIDMap`` is *not* used there: in faiss 1.15 its ``remove_ids`` assumes
  the inner index renumbers after a removal, which IVF does not, and the
  wrong vectors come back afterwards (checked while writing this module).
* Everything else (``Flat``, ``PQ16``, ``SQ8``, ``HNSW32``, ``PCA64,Flat``)
  numbers vectors 0..n-1 in insertion order; Loom keeps that order's slots in
  ``index_slots``, a NumPy id map that costs what ``IndexIDMap`` would (8 bytes
  a vector) but also works through pre-transforms. Flat/PQ/SQ removals shift
  positions stably, and ``index_slots`` is compacted the same way. HNSW cannot
  remove: deletions stay as tombstones, hidden at search by a selector, until
  a rebuild compacts them.

Filters become an ``IDSelectorBitmap`` inside the family's own search
parameters (``SearchParametersIVF`` / ``SearchParametersHNSW`` / …), so Faiss
skips non-matching rows during the search rather than after it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faiss as _faiss
import numpy as np
from numpy.typing import NDArray

from loom.core.errors import InvalidInputError
from loom.vectors.schema import Metric

# faiss 1.15 ships partial stubs (no SearchParametersHNSW/PQ, no SWIG keyword
# constructors, vectors typed as lists); treat the module as untyped.
faiss: Any = _faiss

Mask = NDArray[np.bool_]
_NO_IDS = np.zeros(0, dtype=np.int64)


def faiss_metric(metric: Metric) -> int:
    """The Faiss metric constant; cosine is inner product on unit vectors."""
    return int(faiss.METRIC_L2 if metric == "l2" else faiss.METRIC_INNER_PRODUCT)


def check_index_spec(dim: int, metric: Metric, factory: str) -> None:
    """Build ``factory`` once so a bad spec fails at create time, not at insert.

    Raises:
        InvalidInputError: naming the spec and Faiss's reason.
    """
    try:
        faiss.index_factory(dim, factory, faiss_metric(metric))
    except RuntimeError as exc:
        reason = _faiss_reason(exc)
        raise InvalidInputError(
            f"index spec {factory!r} does not build for dim={dim}: {reason}; "
            "examples: 'Flat', 'IVF1024,Flat', 'IVF256,PQ16', 'HNSW32', "
            "'PCA64,IVF256,Flat'"
        ) from None


def _faiss_reason(exc: BaseException) -> str:
    """The one informative line of a Faiss C++ exception message."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    for line in lines:
        if line.startswith("Error") and "' failed" in line:
            return line.split("' failed", 1)[0].split("'", 1)[-1]
    return lines[-1] if lines else type(exc).__name__


@contextlib.contextmanager
def one_omp_thread() -> Iterator[None]:
    """Run Faiss on the calling thread alone for the duration of the block.

    Faiss parallelises a search over its queries, so one query gains nothing
    from a second OpenMP thread, yet still pays to wake it and to join it: on
    these 2 busy cores that hand-off cost 0.05 ms to several ms per query.
    ``omp_set_num_threads`` changes only the calling thread's setting (libgomp
    keeps one per thread), so concurrent batch searches keep their threads.
    """
    before = int(faiss.omp_get_max_threads())
    if before > 1:
        faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        if before > 1:
            faiss.omp_set_num_threads(before)


def _chain(index: Any) -> list[Any]:
    """The index and its pre-transform sub-indexes, outermost first."""
    out = [faiss.downcast_index(index)]
    while isinstance(out[-1], faiss.IndexPreTransform):
        out.append(faiss.downcast_index(out[-1].index))
    return out


class FaissIndex:
    """One Faiss index whose search results are row slots.

    Args:
        dim: vector dimension.
        metric: the collection's metric (cosine vectors arrive normalised).
        factory: a Faiss ``index_factory`` string.
        index: an already built/loaded index (``load`` uses it).
        index_slots: for non-IVF indexes, the slot at each internal position.
    """

    def __init__(
        self,
        dim: int,
        metric: Metric,
        factory: str,
        *,
        index: Any = None,
        index_slots: NDArray[np.int64] | None = None,
    ) -> None:
        self.dim = dim
        self.metric = metric
        self.factory = factory
        self.index = (
            index
            if index is not None
            else faiss.index_factory(dim, factory, faiss_metric(metric))
        )
        chain = _chain(self.index)
        self.leaf = chain[-1]
        self.n_pretransforms = len(chain) - 1
        self.ivf: Any = (
            faiss.downcast_index(self.leaf)
            if isinstance(self.leaf, faiss.IndexIVF)
            else None
        )
        self.is_hnsw = isinstance(self.leaf, faiss.IndexHNSW)
        pq_owner = self.ivf if self.ivf is not None else self.leaf
        if hasattr(pq_owner, "do_polysemous_training"):
            # Polysemous codes only serve Hamming-filtered search, which Loom
            # never asks for; training them took 15 s of a 0.5 s PQ build here.
            pq_owner.do_polysemous_training = False
        self.index_slots = index_slots if index_slots is not None else _NO_IDS.copy()
        self.supports_remove = not self.is_hnsw
        # Flat and HNSW-Flat keep every vector as plain float32 (IndexFlat
        # storage): the segment reads them back instead of holding a copy.
        self.stores_float32 = self.n_pretransforms == 0 and (
            isinstance(self.leaf, faiss.IndexFlat)
            or (
                self.is_hnsw
                and isinstance(faiss.downcast_index(self.leaf.storage), faiss.IndexFlat)
            )
        )

    # ----------------------------------------------------------------- state
    @property
    def is_trained(self) -> bool:
        return bool(self.index.is_trained)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def nlist(self) -> int:
        """Number of IVF cells, or 0 for non-IVF indexes."""
        return int(self.ivf.nlist) if self.ivf is not None else 0

    def training_size(self) -> int:
        """How many rows training samples: 256 per IVF cell or PQ centroid."""
        return 256 * max(self.nlist, 256)

    def raw_vectors(self) -> NDArray[np.float32]:
        """Zero-copy (ntotal, dim) view of a Flat / HNSW-Flat index's vectors.

        Row ``p`` is the vector at internal position ``p`` (slot
        ``index_slots[p]``). The view aliases Faiss's buffer, which the next
        ``add`` may reallocate: use it under the collection's read lock only.
        """
        assert self.stores_float32
        flat = self.leaf
        if self.is_hnsw:
            flat = faiss.downcast_index(self.leaf.storage)
        n = int(flat.ntotal)
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim)

    def positions_of(self, slots: NDArray[np.int64]) -> NDArray[np.int64]:
        """Internal positions of indexed ``slots`` (non-IVF families).

        ``index_slots`` is ascending: slots are appended in increasing order and
        removals compact it stably. Slots not in the index get a clipped,
        meaningless position; callers mask them.
        """
        pos = np.searchsorted(self.index_slots, slots)
        return np.minimum(pos, max(len(self.index_slots) - 1, 0))

    # ----------------------------------------------------------------- writes
    def train(self, sample: NDArray[np.float32]) -> None:
        """Train on ``sample``; Faiss's refusal becomes a clear error."""
        if self.is_trained:
            return
        try:
            self.index.train(np.ascontiguousarray(sample, dtype=np.float32))
        except RuntimeError as exc:
            raise InvalidInputError(
                f"index spec {self.factory!r} could not train on {len(sample)} "
                f"rows: {_faiss_reason(exc)}"
            ) from None

    def add(self, slots: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        """Add vectors under their slots (the index must be trained)."""
        if len(slots) == 0:
            return
        x = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.ivf is not None:
            self.index.add_with_ids(x, np.ascontiguousarray(slots, dtype=np.int64))
        else:
            self.index.add(x)
            self.index_slots = np.concatenate([self.index_slots, slots])

    def remove(self, slots: NDArray[np.int64]) -> bool:
        """Physically remove ``slots``; False when the family cannot (HNSW)."""
        if not self.supports_remove or len(slots) == 0 or not self.is_trained:
            return self.supports_remove
        if self.ivf is not None:
            self.index.remove_ids(faiss.IDSelectorBatch(slots))
            return True
        positions = np.flatnonzero(np.isin(self.index_slots, slots))
        if len(positions):
            self.index.remove_ids(faiss.IDSelectorBatch(positions.astype(np.int64)))
            self.index_slots = np.delete(self.index_slots, positions)
        return True

    # ---------------------------------------------------------------- reads
    def _params(
        self, allowed: Mask | None, nprobe: int | None, ef_search: int | None
    ) -> tuple[Any, list[Any]]:
        """Search parameters for the leaf, wrapped once per pre-transform.

        Returns the parameters and the objects that must outlive the call
        (Faiss keeps raw pointers to the selector and its bitmap).
        """
        keep: list[Any] = []
        sel = None
        if allowed is not None:
            by_position = allowed if self.ivf is not None else allowed[self.index_slots]
            bits = np.packbits(by_position, bitorder="little")
            sel = faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits))
            keep += [bits, sel]
        if self.ivf is not None:
            params: Any = faiss.SearchParametersIVF(
                sel=sel, nprobe=nprobe or self.ivf.nprobe
            )
        elif self.is_hnsw:
            ef = ef_search or self.leaf.hnsw.efSearch
            params = faiss.SearchParametersHNSW(sel=sel, efSearch=ef)
        elif isinstance(self.leaf, faiss.IndexPQ):
            params = faiss.SearchParametersPQ(sel=sel)
        else:
            params = faiss.SearchParameters(sel=sel)
        for _ in range(self.n_pretransforms):
            keep.append(params)
            params = faiss.SearchParametersPreTransform(index_params=params)
        return params, keep

    def _to_slots(self, positions: NDArray[np.int64]) -> NDArray[np.int64]:
        if self.ivf is not None:
            return positions
        out = np.full(positions.shape, -1, dtype=np.int64)
        hit = positions >= 0
        out[hit] = self.index_slots[positions[hit]]
        return out

    def search(
        self,
        queries: NDArray[np.float32],
        k: int,
        allowed: Mask | None = None,
        *,
        nprobe: int | None = None,
        ef_search: int | None = None,
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Top-k (distances, slots) per query; slot -1 pads short rows.

        Args:
            queries: (nq, dim) float32, already normalised for cosine.
            k: neighbours per query.
            allowed: mask over slots; only True slots may be returned.
            nprobe: IVF cells to visit for this call.
            ef_search: HNSW candidate list size for this call.
        """
        params, _keep = self._params(allowed, nprobe, ef_search)
        if len(queries) == 1:
            with one_omp_thread():
                dist, pos = self.index.search(queries, k, params=params)
        else:
            dist, pos = self.index.search(queries, k, params=params)
        return dist, self._to_slots(pos)

    def range_search(
        self,
        queries: NDArray[np.float32],
        radius: float,
        allowed: Mask | None = None,
        *,
        nprobe: int | None = None,
        ef_search: int | None = None,
    ) -> tuple[NDArray[np.int64], NDArray[np.float32], NDArray[np.int64]]:
        """Faiss range search: (lims, distances, slots) in Faiss's CSR layout."""
        params, _keep = self._params(allowed, nprobe, ef_search)
        lims, dist, pos = self.index.range_search(queries, float(radius), params=params)
        return lims, dist, self._to_slots(pos)

    def memory_bytes(self) -> int:
        """Estimated resident bytes of the index structures and id map."""
        return _index_bytes(self.index) + int(self.index_slots.nbytes)

    # ----------------------------------------------------------- persistence
    def save(self, index_path: Path, slots_path: Path) -> None:
        """Write the Faiss index and the id map (callers make it atomic)."""
        faiss.write_index(self.index, str(index_path))
        with slots_path.open("wb") as fh:
            np.save(fh, self.index_slots)

    @classmethod
    def load(
        cls, dim: int, metric: Metric, factory: str, index_path: Path, slots_path: Path
    ) -> FaissIndex:
        """Read an index written by ``save``."""
        index = faiss.read_index(str(index_path))
        slots = np.load(slots_path)
        return cls(dim, metric, factory, index=index, index_slots=slots)


def _index_bytes(index: Any) -> int:
    """Estimate an index's memory from its structures (no serialisation copy)."""
    idx = faiss.downcast_index(index)
    if isinstance(idx, faiss.IndexPreTransform):
        chain_bytes = 0
        for i in range(idx.chain.size()):
            vt = faiss.downcast_VectorTransform(idx.chain.at(i))
            if isinstance(vt, faiss.LinearTransform):
                chain_bytes += 4 * (vt.A.size() + vt.b.size())
        return chain_bytes + _index_bytes(idx.index)
    if isinstance(idx, faiss.IndexIVF):
        lists = idx.invlists
        n = sum(int(lists.list_size(i)) for i in range(idx.nlist))
        return n * (int(idx.code_size) + 8) + _index_bytes(idx.quantizer)
    if isinstance(idx, faiss.IndexHNSW):
        h = idx.hnsw
        graph = 4 * h.neighbors.size() + 8 * h.offsets.size() + 4 * h.levels.size()
        graph = int(graph)
        return graph + _index_bytes(idx.storage)
    with contextlib.suppress(AttributeError):
        return int(idx.ntotal) * int(idx.code_size)
    return int(idx.ntotal) * int(idx.d) * 4
