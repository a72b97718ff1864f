"""User id → row slot map held in NumPy arrays instead of a Python dict.

A ``dict[int, int]`` costs ~100 bytes a row (two boxed ints plus the hash
slot): 104 MiB of a 1M-row collection, as much as its IVF index. Here the bulk
of the map is two sorted int64 arrays (16 bytes a row) searched with
``np.searchsorted``; deletions punch holes (slot -1) that are squeezed out when
they reach a quarter of the array. Inserting into a sorted array costs a copy
of it, so small writes (one row over HTTP) first go to a ``recent`` dict,
bounded to a few percent of the rows, and are merged in bulk once it fills.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# The recent-writes dict holds at most max(_MIN_RECENT, rows / _RECENT_SHARE).
_MIN_RECENT = 4096
_RECENT_SHARE = 32
_DICT_ROW_BYTES = 100  # what one dict entry costs, for memory reports


class IdMap:
    """Which slot holds each live id; ids are unique within every call."""

    def __init__(self) -> None:
        self._keys = np.zeros(0, dtype=np.int64)
        self._slots = np.zeros(0, dtype=np.int64)
        self._holes = 0
        self._recent: dict[int, int] = {}

    @classmethod
    def from_arrays(cls, ids: NDArray[np.int64], slots: NDArray[np.int64]) -> IdMap:
        """A map from aligned arrays of live ids and their slots."""
        out = cls()
        out._merge(np.asarray(ids, np.int64), np.asarray(slots, np.int64))
        return out

    def __len__(self) -> int:
        return len(self._keys) - self._holes + len(self._recent)

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays plus an estimate for the recent-writes dict."""
        arrays = self._keys.nbytes + self._slots.nbytes
        return int(arrays) + _DICT_ROW_BYTES * len(self._recent)

    def _bound(self) -> int:
        return max(_MIN_RECENT, len(self._keys) // _RECENT_SHARE)

    # ---------------------------------------------------------------- reads
    def lookup(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Slot of each id, -1 where the id is absent."""
        ids = np.asarray(ids, dtype=np.int64)
        # Holes hold slot -1, so a deleted id reads as absent.
        out = _find(self._keys, self._slots, ids, np.full(ids.shape, -1, np.int64))
        if not self._recent:
            return out
        if len(ids) <= len(self._recent):
            get = self._recent.get
            return np.array(
                [get(i, s) for i, s in zip(ids.tolist(), out.tolist(), strict=True)],
                dtype=np.int64,
            )
        keys, slots = self._recent_arrays()
        return _find(keys, slots, ids, out)

    def _recent_arrays(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        keys = np.fromiter(self._recent.keys(), np.int64, len(self._recent))
        slots = np.fromiter(self._recent.values(), np.int64, len(self._recent))
        order = np.argsort(keys, kind="stable")
        return keys[order], slots[order]

    # --------------------------------------------------------------- writes
    def assign(self, ids: NDArray[np.int64], slots: NDArray[np.int64]) -> None:
        """Map new ``ids`` (none of them present now) to ``slots``."""
        if len(ids) + len(self._recent) > self._bound():
            self._merge(np.asarray(ids, np.int64), np.asarray(slots, np.int64))
        else:
            self._recent.update(zip(ids.tolist(), slots.tolist(), strict=True))

    def remove(self, ids: NDArray[np.int64]) -> None:
        """Forget ``ids`` (each must be present)."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._recent:
            in_recent = np.array([i in self._recent for i in ids.tolist()], bool)
            for i in ids[in_recent].tolist():
                del self._recent[i]
            ids = ids[~in_recent]
        if len(ids) == 0:
            return
        pos = np.searchsorted(self._keys, ids)
        self._slots[pos] = -1
        self._holes += len(ids)
        if self._holes * 4 > len(self._keys):
            self._merge(np.zeros(0, np.int64), np.zeros(0, np.int64))

    def _merge(self, ids: NDArray[np.int64], slots: NDArray[np.int64]) -> None:
        """Fold ``recent`` and the new pairs into the sorted arrays; drop holes."""
        if self._recent:
            r_ids, r_slots = self._recent_arrays()
            ids, slots = np.concatenate([ids, r_ids]), np.concatenate([slots, r_slots])
            self._recent = {}
        keys, base = self._keys, self._slots
        if self._holes:
            keep = base >= 0
            keys, base = keys[keep], base[keep]
            self._holes = 0
        if len(ids):
            order = np.argsort(ids, kind="stable")
            ids, slots = ids[order], slots[order]
            at = np.searchsorted(keys, ids)
            keys, base = np.insert(keys, at, ids), np.insert(base, at, slots)
        self._keys, self._slots = keys, base


def _find(
    keys: NDArray[np.int64],
    values: NDArray[np.int64],
    ids: NDArray[np.int64],
    absent: NDArray[np.int64],
) -> NDArray[np.int64]:
    """``values`` of ``ids`` in the sorted ``keys``; ``absent`` where not there."""
    if len(keys) == 0:
        return absent
    pos = np.minimum(np.searchsorted(keys, ids), len(keys) - 1)
    return np.where(keys[pos] == ids, values[pos], absent)
