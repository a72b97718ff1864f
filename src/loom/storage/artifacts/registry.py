"""Chooses the artifact store from the root's URI scheme, in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loom.storage.artifacts.base import ArtifactStore


def open_artifact_store(
    root: str, storage_options: dict[str, Any] | None = None
) -> ArtifactStore:
    """Return the store for ``root``: a local directory, or any fsspec URL.

    Args:
        root: a path, ``file://`` URL, or a URL such as ``s3://bucket/prefix``.
        storage_options: extra fsspec options for remote stores.
    """
    if "://" not in root or root.startswith("file://"):
        from loom.storage.artifacts.local_store import LocalArtifactStore

        return LocalArtifactStore(Path(root.removeprefix("file://")))
    from loom.storage.artifacts.fsspec_store import FsspecArtifactStore

    return FsspecArtifactStore(root, storage_options)
