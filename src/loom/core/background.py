"""Single-flight background work: at most one thread per key at a time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable

logger = logging.getLogger(__name__)


class SingleFlight:
    """Runs work for a key in a daemon thread unless work for that key is running.

    The predict path's caches serve a stale entry while one thread re-checks it:
    a burst of requests finding the same entry stale must start one thread, not
    one each.

    Args:
        name: the threads' name, also used in the log line when work fails.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._running: set[Hashable] = set()
        self._lock = threading.Lock()

    def start(self, key: Hashable, work: Callable[[], None]) -> None:
        """Run ``work`` in a thread, or do nothing if ``key``'s work is running."""
        with self._lock:
            if key in self._running:
                return
            self._running.add(key)
        threading.Thread(
            target=self._run, args=(key, work), name=self.name, daemon=True
        ).start()

    def _run(self, key: Hashable, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:  # transient (a DB hiccup): callers keep what they cached
            logger.exception("%s failed", self.name)
        finally:
            with self._lock:
                self._running.discard(key)
