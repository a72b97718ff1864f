"""Clustering beyond k-means: DBSCAN, Gaussian mixtures (EM), agglomerative.

scikit-learn's DBSCAN and AgglomerativeClustering label only the rows they were
fitted on (no ``predict``), yet Loom serves clustering models on new rows; the
two small estimators below add the assignment rule each method implies, and
say which one in their docstrings.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.base import BaseEstimator, ClusterMixin

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register
from loom.core.errors import InvalidInputError

NOISE = -1
# Agglomerative clustering keeps an n x n distance structure: refuse what would
# not fit in memory on a small Loom host rather than fail deep inside scipy.
MAX_AGGLOMERATIVE_ROWS = 20_000
_N_JOBS = 2


# -- DBSCAN ------------------------------------------------------------------------


class DBSCANParams(BaseModel):
    """Parameters of ``dbscan``."""

    model_config = ConfigDict(extra="forbid")

    eps: float = Field(
        0.5,
        ge=1e-9,
        le=1e9,
        description="Neighbourhood radius; scale features first, it is in their units.",
    )
    min_samples: int = Field(
        5,
        ge=1,
        le=10_000,
        description="Rows within eps (itself included) that make a core point.",
    )
    metric: Literal["euclidean", "manhattan", "chebyshev", "cosine"] = Field(
        "euclidean", description="Distance between rows."
    )


class DBSCANClusterer(ClusterMixin, BaseEstimator):
    """DBSCAN with a ``predict`` for new rows.

    A new row joins the cluster of its nearest core sample if that core is within
    ``eps`` (the row would then be density-reachable from it, a border point);
    otherwise it is noise (-1). This is DBSCAN's own membership rule applied to
    one extra row without letting it create new cores, so the fitted clusters
    never change at serving time. On the training rows it reproduces the fitted
    labels, except that a border point reachable from two clusters goes to the
    nearer core (DBSCAN itself keeps whichever cluster reached it first).
    """

    def __init__(
        self, eps: float = 0.5, min_samples: int = 5, metric: str = "euclidean"
    ) -> None:
        self.eps = eps
        self.min_samples = min_samples
        self.metric = metric

    def fit(self, X: Any, y: Any = None) -> DBSCANClusterer:
        """Run DBSCAN and index its core samples for ``predict``."""
        from sklearn.cluster import DBSCAN
        from sklearn.neighbors import NearestNeighbors

        X = np.asarray(X, dtype=np.float64)
        fitted = DBSCAN(
            eps=self.eps,
            min_samples=self.min_samples,
            metric=self.metric,
            n_jobs=_N_JOBS,
        ).fit(X)
        self.labels_ = fitted.labels_
        self.core_sample_indices_ = fitted.core_sample_indices_
        self.components_ = X[fitted.core_sample_indices_]
        self.core_labels_ = fitted.labels_[fitted.core_sample_indices_]
        self.n_clusters_ = len(set(self.core_labels_.tolist()))
        self.n_features_in_ = X.shape[1]
        self.neighbors_ = (
            NearestNeighbors(n_neighbors=1, metric=self.metric).fit(self.components_)
            if len(self.components_)
            else None
        )
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The cluster of the nearest core sample within ``eps``, else -1."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "core_labels_")
        X = np.asarray(X, dtype=np.float64)
        out = np.full(len(X), NOISE, dtype=np.int64)
        if self.neighbors_ is None:
            return out
        distance, index = self.neighbors_.kneighbors(X)
        near = distance[:, 0] <= self.eps
        out[near] = self.core_labels_[index[near, 0]]
        return out


@register
class DBSCANAlgorithm(Algorithm):
    """Density-based clustering; finds the number of clusters and marks noise."""

    name: ClassVar[str] = "dbscan"
    scale_sensitive: ClassVar[bool] = True
    task: ClassVar[Task] = Task.CLUSTERING
    summary: ClassVar[str] = (
        "DBSCAN: density-based clusters of any shape; outliers labelled -1 (noise)."
    )
    Params: ClassVar[type[BaseModel]] = DBSCANParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``DBSCANClusterer`` (DBSCAN is deterministic)."""
        assert isinstance(params, DBSCANParams)
        return DBSCANClusterer(**params.model_dump())

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Clusters found, core samples and the share of noise."""
        labels = np.asarray(estimator.labels_)
        return {
            "n_clusters_found": int(estimator.n_clusters_),
            "n_core_samples": len(estimator.core_sample_indices_),
            "n_noise": int((labels == NOISE).sum()),
            "noise_fraction": float((labels == NOISE).mean()) if len(labels) else 0.0,
        }, {}


# -- Gaussian mixture --------------------------------------------------------------


class GaussianMixtureParams(BaseModel):
    """Parameters of ``gaussian_mixture``."""

    model_config = ConfigDict(extra="forbid")

    n_components: int = Field(
        3, ge=1, le=200, description="Number of Gaussian components (clusters)."
    )
    covariance_type: Literal["full", "tied", "diag", "spherical"] = Field(
        "full",
        description="Each component's covariance: full, one shared (tied), "
        "diagonal or a single variance (spherical).",
    )
    n_init: int = Field(
        1, ge=1, le=50, description="EM restarts; the best likelihood is kept."
    )
    max_iter: int = Field(100, ge=1, le=10_000, description="EM iterations per start.")
    init_params: Literal["kmeans", "k-means++", "random", "random_from_data"] = Field(
        "kmeans", description="How EM's starting responsibilities are chosen."
    )


@register
class GaussianMixtureAlgorithm(Algorithm):
    """A mixture of Gaussians fitted by EM; ``predict`` = most probable component."""

    name: ClassVar[str] = "gaussian_mixture"
    scale_sensitive: ClassVar[bool] = True
    task: ClassVar[Task] = Task.CLUSTERING
    summary: ClassVar[str] = (
        "Gaussian mixture (EM): soft, elliptical clusters; predicts the likeliest."
    )
    Params: ClassVar[type[BaseModel]] = GaussianMixtureParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``GaussianMixture``."""
        from sklearn.mixture import GaussianMixture

        assert isinstance(params, GaussianMixtureParams)
        return GaussianMixture(**params.model_dump(), random_state=seed)

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Mixture weights, convergence, and AIC/BIC for comparing component counts."""
        X = np.asarray(X, dtype=np.float64)
        return {
            "weights": [float(w) for w in estimator.weights_],
            "converged": bool(estimator.converged_),
            "n_iter": int(estimator.n_iter_),
            "log_likelihood_per_row": float(estimator.score(X)),
            "aic": float(estimator.aic(X)),
            "bic": float(estimator.bic(X)),
        }, {}


# -- agglomerative -----------------------------------------------------------------


class AgglomerativeParams(BaseModel):
    """Parameters of ``agglomerative``."""

    model_config = ConfigDict(extra="forbid")

    n_clusters: int = Field(3, ge=2, le=1000, description="Number of clusters.")
    linkage: Literal["ward", "complete", "average", "single"] = Field(
        "ward",
        description="Distance between clusters: ward (least variance increase), "
        "complete (farthest pair), average, single (nearest pair).",
    )


class AgglomerativeClusterer(ClusterMixin, BaseEstimator):
    """Bottom-up hierarchical clustering with a ``predict`` for new rows.

    A new row goes to the cluster whose centroid (mean of its training rows) is
    nearest in Euclidean distance. A hierarchy cannot place a new row without
    re-running the merges, and the centroid rule is the one ward linkage
    optimises; for single linkage's chained, non-convex clusters it is only an
    approximation, so training-row assignments by ``predict`` may differ from
    ``labels_`` there.
    """

    def __init__(self, n_clusters: int = 3, linkage: str = "ward") -> None:
        self.n_clusters = n_clusters
        self.linkage = linkage

    def fit(self, X: Any, y: Any = None) -> AgglomerativeClusterer:
        """Merge clusters bottom-up, then keep each cluster's centroid."""
        from sklearn.cluster import AgglomerativeClustering

        X = np.asarray(X, dtype=np.float64)
        if len(X) > MAX_AGGLOMERATIVE_ROWS:
            raise InvalidInputError(
                f"agglomerative clustering accepts at most {MAX_AGGLOMERATIVE_ROWS} "
                f"rows (memory grows with rows squared); got {len(X)}"
            )
        if len(X) < self.n_clusters:
            raise InvalidInputError(
                f"n_clusters={self.n_clusters} needs at least that many rows; "
                f"got {len(X)}"
            )
        fitted = AgglomerativeClustering(
            n_clusters=self.n_clusters, linkage=self.linkage
        ).fit(X)
        self.labels_ = fitted.labels_
        self.cluster_centers_ = np.vstack(
            [X[fitted.labels_ == k].mean(axis=0) for k in range(self.n_clusters)]
        )
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The index of the nearest cluster centroid."""
        from sklearn.metrics import pairwise_distances_argmin
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "cluster_centers_")
        X = np.asarray(X, dtype=np.float64)
        return pairwise_distances_argmin(X, self.cluster_centers_).astype(np.int64)


@register
class AgglomerativeAlgorithm(Algorithm):
    """Hierarchical (agglomerative) clustering cut at ``n_clusters``."""

    name: ClassVar[str] = "agglomerative"
    scale_sensitive: ClassVar[bool] = True
    task: ClassVar[Task] = Task.CLUSTERING
    summary: ClassVar[str] = (
        "Agglomerative (hierarchical) clustering; new rows go to the nearest centroid."
    )
    Params: ClassVar[type[BaseModel]] = AgglomerativeParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``AgglomerativeClusterer`` (deterministic)."""
        assert isinstance(params, AgglomerativeParams)
        return AgglomerativeClusterer(**params.model_dump())

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """How many training rows the centroid rule moves to another cluster."""
        moved = np.asarray(estimator.predict(X)) != np.asarray(estimator.labels_)
        return {
            "hierarchy_cluster_sizes": np.bincount(estimator.labels_).tolist(),
            "rows_reassigned_by_centroid_rule": int(moved.sum()),
        }, {}
