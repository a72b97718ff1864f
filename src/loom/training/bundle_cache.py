"""``BundleCache``: fitted models loaded once per artifact key, shared by the server.

Model versions and run artifacts never change once written, so a loaded
``ModelBundle`` stays valid for its key. One cache per server serves
endpoints, embedding queries and vector fills alike: a model used by all
three is read from the artifact store once, and the least recently used
bundle is dropped past ``size`` so a server that touches many models does
not hold them all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loom.storage.artifacts import ArtifactStore

DEFAULT_SIZE = 32


class BundleCache:
    """Thread-safe LRU of ``ModelBundle`` by artifact key.

    Args:
        artifacts: where model directories are stored.
        size: bundles kept at most.
    """

    def __init__(self, artifacts: ArtifactStore, size: int = DEFAULT_SIZE) -> None:
        self.artifacts = artifacts
        self.size = size
        self._bundles: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, artifact_key: str) -> Any:
        """The bundle stored under ``artifact_key``, loaded on first use."""
        with self._lock:
            bundle = self._bundles.get(artifact_key)
            if bundle is not None:
                self._bundles.move_to_end(artifact_key)
                return bundle
        from loom.training.bundle import ModelBundle

        with self.artifacts.local_path(artifact_key) as path:
            bundle = ModelBundle.load(path)
        with self._lock:
            self._bundles[artifact_key] = bundle
            while len(self._bundles) > self.size:
                self._bundles.popitem(last=False)
        return bundle

    def __len__(self) -> int:
        return len(self._bundles)
