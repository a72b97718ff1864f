"""Clustering: k-means (scikit-learn)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register


class KMeansParams(BaseModel):
    """Parameters of ``kmeans``."""

    model_config = ConfigDict(extra="forbid")

    n_clusters: int = Field(8, ge=2, le=1000, description="Number of clusters.")
    init: Literal["k-means++", "random"] = Field(
        "k-means++", description="How initial centroids are chosen."
    )
    n_init: int = Field(
        10, ge=1, le=100, description="Restarts; the best (lowest inertia) is kept."
    )
    max_iter: int = Field(300, ge=1, le=10_000, description="Iterations per restart.")


@register
class KMeansAlgorithm(Algorithm):
    """Lloyd's k-means (``KMeans``); ``predict`` assigns the nearest centroid."""

    name: ClassVar[str] = "kmeans"
    task: ClassVar[Task] = Task.CLUSTERING
    summary: ClassVar[str] = "K-means clustering into a fixed number of round clusters."
    Params: ClassVar[type[BaseModel]] = KMeansParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``KMeans``."""
        from sklearn.cluster import KMeans

        assert isinstance(params, KMeansParams)
        return KMeans(
            n_clusters=params.n_clusters,
            init=params.init,
            n_init=params.n_init,
            max_iter=params.max_iter,
            random_state=seed,
        )
