"""GBDT + LR: boosted-tree leaves, one-hot encoded, feeding a logistic regression.

No library ships this composition, so it is ours. It follows Facebook's ad
click-prediction paper (He et al., 2014, "Practical Lessons from Predicting
Clicks on Ads at Facebook"): each tree of a gradient-boosted model acts as a
learned bucketing of the inputs — the leaf a row falls into is a categorical
feature that already encodes a non-linear combination of splits — and a linear
classifier on the one-hot leaves then weighs those buckets. The booster is only
a feature transformer; the logistic regression makes the prediction.

Rows are split between the two stages (``lr_fraction``, default 0.5): the booster
is fitted on one part and the LR on the other. On its own training rows a
booster's leaves are nearly pure, so an LR fitted on those same rows learns
over-confident weights that do not hold on new rows; fitting the LR on rows the
booster never saw calibrates the weights on leaves as they behave on new data,
as the paper's pipeline does (trees and LR trained on different data).
``lr_fraction=0`` fits both on all rows (useful when data are scarce).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.base import BaseEstimator, ClassifierMixin

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.boosting.lightgbm_models import FIXED_SETTINGS, gain_and_split
from loom.algorithms.boosting.openmp import prefer_passive_wait
from loom.algorithms.importances import importance_report
from loom.algorithms.registry import register

prefer_passive_wait()  # before the library loads; see openmp.py


class GBDTLRParams(BaseModel):
    """Parameters of ``gbdt_lr``: the LightGBM booster's, then the LR's."""

    model_config = ConfigDict(extra="forbid")

    n_estimators: int = Field(
        50, ge=1, le=2000, description="Boosted trees (each one becomes a feature)."
    )
    num_leaves: int = Field(
        15, ge=2, le=1024, description="Maximum leaves per tree (buckets per feature)."
    )
    max_depth: int = Field(
        -1, ge=-1, le=64, description="Maximum tree depth; -1 means no limit."
    )
    learning_rate: float = Field(
        0.1, ge=1e-4, le=1.0, description="Booster shrinkage applied to each tree."
    )
    min_child_samples: int = Field(
        10, ge=1, le=10_000, description="Minimum rows in a booster leaf."
    )
    C: float = Field(
        1.0,
        ge=1e-6,
        le=1e6,
        description="Inverse regularisation strength of the logistic regression.",
    )
    penalty: Literal["l2", "l1"] = Field(
        "l2", description="LR penalty; l1 drops uninformative leaves."
    )
    lr_fraction: float = Field(
        0.5,
        ge=0.0,
        le=0.9,
        description="Share of training rows kept for the LR (the booster gets the "
        "rest); 0 fits both stages on all rows.",
    )


class GBDTLRClassifier(ClassifierMixin, BaseEstimator):
    """A LightGBM booster whose leaf indices feed a logistic regression.

    Fitted state: ``booster_`` (``LGBMClassifier``), ``encoder_`` (one-hot over
    the leaf index of every tree; unseen leaves encode as all zeros), ``lr_``
    (``LogisticRegression``), ``classes_`` and ``split_used_`` (whether the two
    stages were fitted on separate rows).
    """

    def __init__(
        self,
        n_estimators: int = 50,
        num_leaves: int = 15,
        max_depth: int = -1,
        learning_rate: float = 0.1,
        min_child_samples: int = 10,
        C: float = 1.0,
        penalty: str = "l2",
        lr_fraction: float = 0.5,
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.min_child_samples = min_child_samples
        self.C = C
        self.penalty = penalty
        self.lr_fraction = lr_fraction
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> GBDTLRClassifier:
        """Fit the booster, then the LR on the one-hot leaves of the LR rows."""
        from lightgbm import LGBMClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import OneHotEncoder

        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        booster_rows, lr_rows = self._split(y)
        self.split_used_ = booster_rows is not lr_rows
        self.booster_ = LGBMClassifier(
            n_estimators=self.n_estimators,
            num_leaves=self.num_leaves,
            max_depth=self.max_depth,
            learning_rate=self.learning_rate,
            min_child_samples=self.min_child_samples,
            random_state=self.random_state,
            **FIXED_SETTINGS,
        ).fit(X[booster_rows], y[booster_rows])
        leaves = self._leaves(X[lr_rows])
        self.encoder_ = OneHotEncoder(handle_unknown="ignore").fit(leaves)
        self.lr_ = LogisticRegression(
            C=self.C,
            l1_ratio=1.0 if self.penalty == "l1" else 0.0,
            solver="saga" if self.penalty == "l1" else "lbfgs",
            max_iter=2000,
            random_state=self.random_state,
        ).fit(self.encoder_.transform(leaves), y[lr_rows])
        self.classes_ = self.lr_.classes_
        self.n_features_in_ = X.shape[1]
        return self

    def _split(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row indexes for the booster and for the LR (the same array if shared).

        The split is stratified so both stages see every class; when a class is
        too rare for that, both stages use all rows.
        """
        from sklearn.model_selection import train_test_split

        every = np.arange(len(y))
        if self.lr_fraction <= 0:
            return every, every
        try:
            booster_rows, lr_rows = train_test_split(
                every,
                test_size=self.lr_fraction,
                random_state=self.random_state,
                stratify=y,
            )
        except ValueError:
            return every, every
        return np.sort(booster_rows), np.sort(lr_rows)

    def _leaves(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster_.predict(X, pred_leaf=True)).reshape(len(X), -1)

    def _features(self, X: Any) -> Any:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "lr_")
        X = np.asarray(X, dtype=np.float64)
        return self.encoder_.transform(self._leaves(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from the LR on the rows' one-hot leaves."""
        features = self._features(X)  # checks fitted before touching lr_
        out: np.ndarray = self.lr_.predict_proba(features)
        return out

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class."""
        features = self._features(X)
        out: np.ndarray = self.lr_.predict(features)
        return out


@register
class GBDTLRAlgorithm(Algorithm):
    """Facebook-style GBDT feature transform + logistic regression (classifier)."""

    name: ClassVar[str] = "gbdt_lr"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "GBDT+LR: LightGBM leaf indices, one-hot, fed to a logistic regression."
    )
    Params: ClassVar[type[BaseModel]] = GBDTLRParams
    handles_missing: ClassVar[bool] = True

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``GBDTLRClassifier`` (saved with joblib, Loom-only)."""
        assert isinstance(params, GBDTLRParams)
        return GBDTLRClassifier(**params.model_dump(), random_state=seed)

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """The booster's feature importances plus the size of the leaf encoding."""
        booster = estimator.booster_.booster_
        report, plots = importance_report(gain_and_split(booster), feature_names)
        report["n_leaf_features"] = int(
            sum(len(c) for c in estimator.encoder_.categories_)
        )
        report["n_trees"] = int(booster.num_trees())
        report["separate_rows"] = bool(estimator.split_used_)
        return report, plots
