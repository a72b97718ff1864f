"""The ``ArtifactStore`` seam: atomic puts, reads, listings, deletes by key."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

from loom.core.errors import InvalidInputError


def check_key(key: str) -> str:
    """Reject keys that could escape the store's root (``..``, absolute paths)."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise InvalidInputError(f"invalid artifact key: {key!r}")
    return key


class ArtifactStore(abc.ABC):
    """Keeps immutable files under slash-separated keys.

    Every put is atomic: readers see either nothing or the whole object, so metadata
    written after a successful put never points to a half-written artifact.
    """

    uri: str

    @abc.abstractmethod
    def put_file(self, local_path: Path, key: str) -> None:
        """Store a local file under ``key``, atomically."""

    @abc.abstractmethod
    def put_dir(self, local_dir: Path, key: str) -> None:
        """Store a directory tree under the prefix ``key``, atomically as a whole."""

    @abc.abstractmethod
    def put_bytes(self, data: bytes, key: str) -> None:
        """Store ``data`` under ``key``, atomically."""

    @abc.abstractmethod
    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """Open the object at ``key`` for binary reading."""

    @abc.abstractmethod
    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """A local filesystem path for ``key`` (a download for remote stores)."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under ``prefix``, sorted."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object or directory exists at ``key``."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object or directory at ``key`` (no error if absent)."""

    def read_bytes(self, key: str) -> bytes:
        """Read a whole object into memory."""
        with self.open(key) as handle:
            return handle.read()
