"""Clustering: k-means (scikit-learn), with an elbow / silhouette chart for k."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register

# The k scan refits k-means up to 9 times: on a sample, with one k-means++ start.
K_SCAN_MAX = 10
K_SCAN_SAMPLE = 2000
K_SCAN_N_INIT = 1


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
    scale_sensitive: ClassVar[bool] = True
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

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Inertia and silhouette for k = 2..min(10, n-1), to help choose k.

        The elbow of the inertia curve (where adding a cluster stops paying) and
        the peak of the silhouette are the two usual guides; the scan refits on
        at most 2,000 sampled rows with one k-means++ start, so its numbers are a guide,
        not the stored model's own.
        """
        scan = k_scan(np.asarray(X, dtype=np.float64), seed=estimator.random_state)
        if not scan["k"]:
            return {}, {}
        report = {"k_scan": scan, "inertia": float(estimator.inertia_)}
        return report, {"k_scan.png": _k_scan_png(scan, estimator.n_clusters)}


def k_scan(X: np.ndarray, seed: int) -> dict[str, Any]:
    """Fit k-means for each k in 2..min(10, n-1) and score it.

    Returns:
        ``{"k": [...], "inertia": [...], "silhouette": [...], "sampled_rows": n}``.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    if len(X) > K_SCAN_SAMPLE:
        rng = np.random.default_rng(seed)
        X = X[np.sort(rng.choice(len(X), K_SCAN_SAMPLE, replace=False))]
    distinct = len(np.unique(X, axis=0))
    ks = list(range(2, min(K_SCAN_MAX, len(X) - 1, distinct) + 1))
    inertia: list[float] = []
    silhouette: list[float] = []
    # One thread: on <= 2,000 rows threads cost more than they save, and idle
    # OpenMP threads spinning would slow other jobs sharing the host.
    with threadpool_limits(limits=1):
        for k in ks:
            model = KMeans(n_clusters=k, n_init=K_SCAN_N_INIT, random_state=seed)
            model.fit(X)
            inertia.append(float(model.inertia_))
            silhouette.append(float(silhouette_score(X, model.labels_)))
    return {
        "k": ks,
        "inertia": inertia,
        "silhouette": silhouette,
        "sampled_rows": len(X),
    }


def _k_scan_png(scan: dict[str, Any], chosen: int) -> bytes:
    from loom.core.charts import new_figure, png_bytes

    figure = new_figure()
    left = figure.add_subplot()
    left.plot(scan["k"], scan["inertia"], marker="o", color="tab:blue")
    left.set(xlabel="k (clusters)", title="Choosing k: elbow and silhouette")
    left.set_ylabel("Inertia (within-cluster SS)", color="tab:blue")
    right = left.twinx()
    right.plot(scan["k"], scan["silhouette"], marker="s", color="tab:orange")
    right.set_ylabel("Silhouette", color="tab:orange")
    left.axvline(chosen, color="grey", linestyle="--", linewidth=1)
    return png_bytes(figure)
