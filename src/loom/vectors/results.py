"""What searches and gets return: NumPy arrays plus per-hit field values."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from loom.vectors.segment import Segment


@dataclass(frozen=True)
class SearchResult:
    """Top-k hits for a batch of queries.

    Attributes:
        ids: (nq, k) user ids, best first; -1 pads a query with fewer hits.
        distances: (nq, k) float32; squared L2 (lower is closer) or inner
            product / cosine similarity (higher is closer); padding is ±inf.
        fields: field name → per query → per hit value (None for null/padding).
        strategy: "index", "exact", or "index+exact" when some queries fell
            back to an exact scan so that enough filtered hits came back.
    """

    ids: NDArray[np.int64]
    distances: NDArray[np.float32]
    fields: dict[str, list[list[Any]]] = field(default_factory=dict)
    strategy: str = "index"

    def hits(self) -> list[list[dict[str, Any]]]:
        """JSON-ready hits per query: ``{"id", "distance", "fields"}``, no padding."""
        out: list[list[dict[str, Any]]] = []
        for q, (row_ids, row_dist) in enumerate(
            zip(self.ids.tolist(), self.distances.tolist(), strict=True)
        ):
            out.append(
                [
                    {
                        "id": i,
                        "distance": d,
                        "fields": {n: v[q][j] for n, v in self.fields.items()},
                    }
                    for j, (i, d) in enumerate(zip(row_ids, row_dist, strict=True))
                    if i >= 0
                ]
            )
        return out


@dataclass(frozen=True)
class RangeResult:
    """Rows within the radius of one query, best first."""

    ids: NDArray[np.int64]
    distances: NDArray[np.float32]
    fields: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class GetResult:
    """Rows fetched by id, in the order asked; absent ids listed in ``missing``."""

    ids: NDArray[np.int64]
    vectors: NDArray[np.float32] | None
    fields: dict[str, list[Any]]
    missing: list[int]


class RebuildTask:
    """Handle on a background rebuild: ``wait()`` re-raises its error."""

    def __init__(self, thread: threading.Thread) -> None:
        self.thread = thread
        self.error: BaseException | None = None

    @property
    def done(self) -> bool:
        return not self.thread.is_alive()

    def wait(self, timeout_s: float | None = None) -> None:
        """Block until the rebuild ends; raise what it raised, if anything."""
        self.thread.join(timeout_s)
        if self.error is not None:
            raise self.error


def fields_by_query(
    seg: Segment, slots: NDArray[np.int64], names: list[str]
) -> dict[str, list[list[Any]]]:
    """Field values for a (nq, k) slot matrix; None where the slot is -1."""
    if not names:
        return {}
    flat = slots.ravel()
    valid = flat >= 0
    taken = seg.fields.take(flat[valid], names)
    out: dict[str, list[list[Any]]] = {}
    nq, k = slots.shape
    for name, values in taken.items():
        full: list[Any] = [None] * len(flat)
        for pos, value in zip(np.flatnonzero(valid).tolist(), values, strict=True):
            full[pos] = value
        out[name] = [full[q * k : (q + 1) * k] for q in range(nq)]
    return out
