"""Write-ahead log: every acknowledged write is on disk before it is applied.

Record layout (little endian)::

    u32 payload_length | u32 crc32(payload) | payload
    payload = u8 op | u64 seq | u32 n | u32 dim | n*i64 ids
              | n*dim*f32 vectors | JSON fields (rest)

The length prefix lets replay find record boundaries; the CRC tells a record
that was fully written from one torn by a crash mid-``write``. Replay keeps
every record up to the first one that is short or fails its CRC and cuts the
file there, so the next append does not land after garbage. ``fsync`` runs
before ``append`` returns: an operation is acknowledged only once durable.
"""

from __future__ import annotations

import logging
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import orjson
from numpy.typing import NDArray

logger = logging.getLogger(__name__)

_HEADER = struct.Struct("<II")
_FIXED = struct.Struct("<BQII")
_OPS: dict[str, int] = {"upsert": 1, "delete": 2}
_OP_NAMES = {v: k for k, v in _OPS.items()}
# A length beyond this is garbage from a torn header, not a real record.
MAX_RECORD_BYTES = 1 << 31


@dataclass
class WalRecord:
    """One logged operation, replayable on top of a snapshot."""

    op: Literal["upsert", "delete"]
    seq: int
    ids: NDArray[np.int64]
    vectors: NDArray[np.float32] | None = None
    fields: dict[str, list[Any]] = field(default_factory=dict)

    def encode(self) -> bytes:
        """The framed bytes for this record (header + payload)."""
        n = len(self.ids)
        dim = 0 if self.vectors is None else int(self.vectors.shape[1])
        parts = [
            _FIXED.pack(_OPS[self.op], self.seq, n, dim),
            np.ascontiguousarray(self.ids, dtype="<i8").tobytes(),
        ]
        if self.vectors is not None:
            parts.append(np.ascontiguousarray(self.vectors, dtype="<f4").tobytes())
            parts.append(orjson.dumps(self.fields))
        payload = b"".join(parts)
        return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload

    @classmethod
    def decode(cls, payload: bytes) -> WalRecord:
        op, seq, n, dim = _FIXED.unpack_from(payload)
        at = _FIXED.size
        ids = np.frombuffer(payload, dtype="<i8", count=n, offset=at).astype(np.int64)
        at += 8 * n
        if op == _OPS["delete"]:
            return cls("delete", seq, ids)
        vectors = np.frombuffer(payload, dtype="<f4", count=n * dim, offset=at)
        at += 4 * n * dim
        fields = orjson.loads(payload[at:])
        return cls(
            "upsert", seq, ids, vectors.reshape(n, dim).astype(np.float32), fields
        )


class WriteAheadLog:
    """An append-only, fsynced log file of ``WalRecord``s.

    Args:
        path: the log file; created (with its directory entry synced) if absent.
        fsync: sync each append; only tests of non-durable paths turn it off.
    """

    def __init__(self, path: Path, *, fsync: bool = True) -> None:
        self.path = path
        self.fsync = fsync
        created = not path.exists()
        self._fh = path.open("ab")
        if created:
            fsync_dir(path.parent)

    @property
    def size_bytes(self) -> int:
        return self._fh.tell() if not self._fh.closed else self.path.stat().st_size

    def replay(self) -> Iterator[WalRecord]:
        """Yield intact records in order, then cut off a torn tail if any."""
        good_end = 0
        with self.path.open("rb") as fh:
            data = fh.read()
        while good_end + _HEADER.size <= len(data):
            length, crc = _HEADER.unpack_from(data, good_end)
            start = good_end + _HEADER.size
            payload = data[start : start + length]
            if length > MAX_RECORD_BYTES or len(payload) < length:
                break
            if zlib.crc32(payload) != crc:
                break
            yield WalRecord.decode(payload)
            good_end = start + length
        if good_end < len(data):
            logger.warning(
                "wal %s: ignoring %d bytes of torn tail after offset %d",
                self.path,
                len(data) - good_end,
                good_end,
            )
            self._fh.truncate(good_end)
            self._fh.seek(good_end)
            self._sync()

    def append(self, record: WalRecord) -> None:
        """Write one record and make it durable before returning."""
        self._fh.write(record.encode())
        self._sync()

    def reset(self) -> None:
        """Empty the log once a snapshot covers everything in it."""
        self._fh.truncate(0)
        self._fh.seek(0)
        self._sync()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def _sync(self) -> None:
        self._fh.flush()
        if self.fsync:
            os.fsync(self._fh.fileno())


def fsync_dir(directory: Path) -> None:
    """Sync a directory so a newly created or renamed entry survives a crash."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
