"""Artifact stores: where datasets, models and plots are kept, behind one interface."""

from loom.storage.artifacts.base import ArtifactStore
from loom.storage.artifacts.registry import open_artifact_store

__all__ = ["ArtifactStore", "open_artifact_store"]
