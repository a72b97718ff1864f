"""A readers-writer lock: many concurrent searches, one writer at a time."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loom.core.errors import ConflictError

LOCK_FILE = "LOCK"


class ReadWriteLock:
    """Writer-preferring readers-writer lock.

    Searches hold the read side and run in parallel (Faiss releases the GIL);
    writes and index swaps hold the write side. A waiting writer blocks new
    readers, so a steady stream of searches cannot starve inserts.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @property
    def busy(self) -> bool:
        """Whether a writer holds or awaits the lock (a new reader would wait)."""
        return self._writer or bool(self._writers_waiting)

    @contextmanager
    def read(self) -> Iterator[None]:
        """Hold the shared side for the duration of the block."""
        with self._cond:
            while self.busy:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if self._readers == 0:
                    self._cond.notify_all()

    @contextmanager
    def try_read(self) -> Iterator[bool]:
        """Hold the shared side only if no writer holds or awaits the lock.

        Yields True when held (released after the block), False when it was
        not taken: the caller must not touch the protected state then. Used on
        the server's event loop, which must never wait for a write.
        """
        with self._cond:
            held = not self.busy
            if held:
                self._readers += 1
        try:
            yield held
        finally:
            if held:
                with self._cond:
                    self._readers -= 1
                    if self._readers == 0:
                        self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        """Hold the exclusive side for the duration of the block."""
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


def acquire_dir_lock(directory: Path) -> Any:
    """Hold an exclusive ``flock`` so two processes never share a WAL."""
    fh = (directory / LOCK_FILE).open("a+")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise ConflictError(
            f"collection {directory} is open in another process"
        ) from None
    return fh
