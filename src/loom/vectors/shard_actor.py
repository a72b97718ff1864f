"""The Ray side of sharding: connecting to Ray and the shard actor's body.

``LOOM_RAY_ADDRESS`` set (``ray://host:10001`` or ``auto``) joins that
cluster; unset, the first sharded collection opened in a process starts a
local Ray with ``LOOM_RAY_NUM_CPUS`` CPUs (default: all), no dashboard and
worker logs kept out of the server's. Ray is imported inside functions only.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from loom.vectors.collection import Collection
from loom.vectors.schema import CollectionSchema, IndexSpec

RAY_ADDRESS_ENV = "LOOM_RAY_ADDRESS"
RAY_CPUS_ENV = "LOOM_RAY_NUM_CPUS"
_ray_lock = threading.Lock()


def ensure_ray() -> Any:
    """Connect to ``LOOM_RAY_ADDRESS`` or start a local Ray, once per process."""
    import ray

    with _ray_lock:
        if not ray.is_initialized():
            address = os.environ.get(RAY_ADDRESS_ENV)
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                cpus = os.environ.get(RAY_CPUS_ENV)
                ray.init(
                    num_cpus=int(cpus) if cpus else os.cpu_count() or 1,
                    include_dashboard=False,
                    log_to_driver=False,
                )
    return ray


def ray_get(refs: list[Any]) -> list[Any]:
    """``ray.get``, re-raising a shard's own error (a 4xx stays a 4xx)."""
    import ray
    from ray.exceptions import RayTaskError

    try:
        return list(ray.get(refs))
    except RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BaseException):
            raise cause from None
        raise


class ShardWorker:
    """The body of one shard actor: a ``Collection`` in its own directory."""

    def __init__(self, directory: str, schema: CollectionSchema | None) -> None:
        path = Path(directory)
        self._collection = (
            Collection.create(path, schema) if schema else Collection.open(path)
        )

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run one ``Collection`` method (the actor's only entry besides these)."""
        return getattr(self._collection, method)(*args, **kwargs)

    def is_dirty(self) -> bool:
        return self._collection.is_dirty

    def rebuild_wait(self, index: IndexSpec | None) -> None:
        """Rebuild and block until swapped in (RebuildTask holds a thread)."""
        self._collection.rebuild(index).wait()

    def close(self) -> None:
        self._collection.close()
