"""k-nearest neighbours for classification and regression, k chosen by CV if asked."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register
from loom.core.errors import InvalidInputError

_MAX_K = 30
_CV_FOLDS = 5
Metric = Literal[
    "minkowski",
    "euclidean",
    "manhattan",
    "chebyshev",
    "cosine",
    "mahalanobis",
    "jaccard",
]


class KnnParams(BaseModel):
    """Parameters of ``knn_classifier`` and ``knn_regressor``."""

    model_config = ConfigDict(extra="forbid")

    n_neighbors: int | None = Field(
        5,
        ge=1,
        le=500,
        description=(
            f"Neighbours that vote; none picks k in 1..{_MAX_K} by {_CV_FOLDS}-fold "
            "cross-validation on the training rows."
        ),
    )
    weights: Literal["uniform", "distance"] = Field(
        "uniform", description="Equal votes, or votes weighted by 1/distance."
    )
    metric: Metric = Field(
        "minkowski",
        description=(
            "Distance: minkowski (power p), euclidean, manhattan, chebyshev, cosine, "
            "mahalanobis (training covariance) or jaccard (0/1 features only)."
        ),
    )
    p: float = Field(
        2.0, ge=1.0, le=100.0, description="Power of the minkowski metric."
    )
    scale: bool = Field(
        True,
        description="Standardise features so no column dominates distances "
        "(skipped for jaccard).",
    )


class _KnnModel(BaseEstimator):
    """Scaling, metric set-up and the choice of k around a scikit-learn KNN."""

    _is_classifier: ClassVar[bool]
    feature_names: list[str] | None = None  # set by bind_features, for messages

    def __init__(
        self,
        *,
        n_neighbors: int | None = 5,
        weights: str = "uniform",
        metric: str = "minkowski",
        p: float = 2.0,
        scale: bool = True,
        random_state: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.metric = metric
        self.p = p
        self.scale = scale
        self.random_state = random_state

    def _inputs(self, X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if self.metric == "jaccard":
            bad = np.flatnonzero(~np.isin(X, (0.0, 1.0)).all(axis=0))
            if bad.size:
                j = int(bad[0])
                name = self.feature_names[j] if self.feature_names else f"#{j}"
                raise InvalidInputError(
                    f"the jaccard metric needs 0/1 features; column '{name}' has "
                    "other values; choose another metric"
                )
            return X.astype(bool)
        if self.scale:
            return (X - self.mean_) / self.std_
        return X

    def _knn(self, k: int) -> Any:
        from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

        kwargs: dict[str, Any] = {"metric": self.metric, "algorithm": "brute"}
        if self.metric == "minkowski":
            kwargs["p"] = self.p
        if self.metric == "mahalanobis":
            kwargs["metric_params"] = {"VI": self.inverse_covariance_}
        cls = KNeighborsClassifier if self._is_classifier else KNeighborsRegressor
        return cls(n_neighbors=k, weights=self.weights, **kwargs)

    def fit(self, X: Any, y: Any) -> _KnnModel:
        """Store the rows (standardised), then pick k by CV when none was given."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.std_ = np.where(std > 0, std, 1.0)
        Z = self._inputs(X)
        if self.metric == "mahalanobis":
            self.inverse_covariance_ = np.linalg.pinv(np.atleast_2d(np.cov(Z.T)))
        if self.n_neighbors is None:
            self.cv_curve_ = self._cv_curve(Z, y)
            best = max(self.cv_curve_, key=lambda point: point["score"])
            self.k_ = int(best["k"])
        else:
            self.cv_curve_ = []
            self.k_ = min(self.n_neighbors, len(Z))
        self.model_ = self._knn(self.k_).fit(Z, y)
        if self._is_classifier:
            self.classes_ = self.model_.classes_
        return self

    def _cv_curve(self, Z: np.ndarray, y: np.ndarray) -> list[dict[str, float]]:
        """Mean CV score (accuracy or R²) for each k; the smallest k wins ties.

        One neighbour query per fold at the largest k, then cumulative votes give
        every smaller k at once, instead of refitting a model per k and fold.
        """
        from sklearn.model_selection import KFold, StratifiedKFold

        splitter: Any = KFold(_CV_FOLDS, shuffle=True, random_state=self.random_state)
        if self._is_classifier:
            folds = min(_CV_FOLDS, int(np.unique(y, return_counts=True)[1].min()))
            if folds < 2:
                raise InvalidInputError("n_neighbors=None needs 2+ rows of each class")
            splitter = StratifiedKFold(
                folds, shuffle=True, random_state=self.random_state
            )
        largest = max(1, min(_MAX_K, int(len(Z) * (1 - 1 / _CV_FOLDS)) - 1))
        scores = np.zeros(largest)
        for train, test in splitter.split(Z, y):
            scores += self._fold_scores(Z[train], y[train], Z[test], y[test], largest)
        scores /= splitter.get_n_splits()
        return [{"k": k + 1, "score": float(s)} for k, s in enumerate(scores)]

    def _fold_scores(
        self, Z: np.ndarray, y: np.ndarray, Zt: np.ndarray, yt: np.ndarray, k: int
    ) -> np.ndarray:
        """Accuracy or R² on one held-out fold for every k in 1..k."""
        dist, ind = self._knn(k).fit(Z, y).kneighbors(Zt, n_neighbors=k)
        if self.weights == "distance":
            exact = dist == 0
            w = np.where(
                exact.any(axis=1, keepdims=True), exact, 1 / np.where(exact, 1, dist)
            )
        else:
            w = np.ones_like(dist)
        if self._is_classifier:
            classes, codes = np.unique(y, return_inverse=True)
            votes = np.cumsum(np.eye(len(classes))[codes[ind]] * w[..., None], axis=1)
            hits = classes[votes.argmax(axis=2)] == yt[:, None]
            out: np.ndarray = hits.mean(axis=0)
            return out
        pred = np.cumsum(w * y[ind], axis=1) / np.cumsum(w, axis=1)
        residual = ((pred - yt[:, None]) ** 2).sum(axis=0)
        total = max(float(((yt - yt.mean()) ** 2).sum()), 1e-12)
        out = 1 - residual / total
        return out

    def predict(self, X: Any) -> np.ndarray:
        """Majority class (or mean target) of the k nearest training rows."""
        check_is_fitted(self, "model_")
        out: np.ndarray = self.model_.predict(self._inputs(X))
        return out


class KnnClassifier(ClassifierMixin, _KnnModel):
    """k-NN classifier with Loom's scaling and k selection."""

    _is_classifier = True

    def predict_proba(self, X: Any) -> np.ndarray:
        """Share of (weighted) neighbour votes per class."""
        check_is_fitted(self, "model_")
        out: np.ndarray = self.model_.predict_proba(self._inputs(X))
        return out


class KnnRegressor(RegressorMixin, _KnnModel):
    """k-NN regressor with Loom's scaling and k selection."""

    _is_classifier = False


class _KnnAlgorithm(Algorithm):
    Params: ClassVar[type[BaseModel]] = KnnParams
    scale_sensitive: ClassVar[bool] = True
    _model: ClassVar[type[_KnnModel]]

    def bind_features(self, estimator: Any, feature_names: list[str]) -> None:
        """Remember column names so a jaccard error can name the column."""
        estimator.feature_names = list(feature_names)

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted k-NN model."""
        assert isinstance(params, KnnParams)
        return self._model(**params.model_dump(), random_state=seed)

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """The chosen k and, when k was searched, the CV curve and its plot."""
        report: dict[str, Any] = {"k": estimator.k_, "cv_curve": estimator.cv_curve_}
        if not estimator.cv_curve_:
            return report, {}
        return report, {
            "knn_cv_curve.png": _curve_png(estimator.cv_curve_, estimator.k_)
        }


def _curve_png(curve: list[dict[str, float]], chosen: int) -> bytes:
    from loom.core.charts import new_figure, png_bytes

    figure = new_figure()
    axes = figure.add_subplot()
    axes.plot([p["k"] for p in curve], [p["score"] for p in curve], marker="o")
    axes.axvline(chosen, color="tab:red", linestyle="--", label=f"chosen k={chosen}")
    axes.set(xlabel="k (neighbours)", ylabel="mean CV score", title="Choice of k")
    axes.legend()
    return png_bytes(figure)


@register
class KnnClassifierAlgorithm(_KnnAlgorithm):
    """Vote of the k nearest training rows."""

    name: ClassVar[str] = "knn_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = "k-nearest-neighbours classifier; k can be chosen by CV."
    _model: ClassVar[type[_KnnModel]] = KnnClassifier


@register
class KnnRegressorAlgorithm(_KnnAlgorithm):
    """Mean target of the k nearest training rows."""

    name: ClassVar[str] = "knn_regressor"
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = "k-nearest-neighbours regressor; k can be chosen by CV."
    _model: ClassVar[type[_KnnModel]] = KnnRegressor
