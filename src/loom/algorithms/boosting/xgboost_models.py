"""XGBoost gradient-boosted trees, stored in XGBoost's native JSON model format.

XGBoost boosts trees on a second-order (gradient and Hessian) expansion of the
loss with an explicit penalty on the number of leaves (``gamma``) and on leaf
weights (``reg_lambda``, ``reg_alpha``). Loom uses the CPU-only ``xgboost-cpu``
wheel and the ``hist`` tree method.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.boosting.openmp import prefer_passive_wait
from loom.algorithms.importances import importance_report
from loom.algorithms.registry import register

prefer_passive_wait()  # before the library loads; see openmp.py

MODEL_FILE = "xgboost_model.json"
_N_JOBS = 2
SMALL_TABLE_CELLS = 200_000


class XGBoostParams(BaseModel):
    """Parameters shared by ``xgboost_classifier`` and ``xgboost_regressor``."""

    model_config = ConfigDict(extra="forbid")

    n_estimators: int = Field(100, ge=1, le=10_000, description="Boosting rounds.")
    learning_rate: float = Field(
        0.1, ge=1e-4, le=1.0, description="Shrinkage (eta) applied to each tree."
    )
    max_depth: int = Field(6, ge=1, le=32, description="Maximum tree depth.")
    min_child_weight: float = Field(
        1.0,
        ge=0.0,
        le=10_000.0,
        description="Minimum summed Hessian (about: rows) in a child.",
    )
    gamma: float = Field(
        0.0,
        ge=0.0,
        le=1000.0,
        description="Minimum loss reduction needed to make a split.",
    )
    subsample: float = Field(
        1.0, ge=0.05, le=1.0, description="Share of rows sampled for each tree."
    )
    colsample_bytree: float = Field(
        1.0, ge=0.05, le=1.0, description="Share of features sampled for each tree."
    )
    reg_alpha: float = Field(
        0.0, ge=0.0, le=1000.0, description="L1 penalty on leaf weights."
    )
    reg_lambda: float = Field(
        1.0, ge=0.0, le=1000.0, description="L2 penalty on leaf weights."
    )


class _XGBoostAlgorithm(Algorithm):
    """Common build/save/load/report for the XGBoost classifier and regressor.

    Saving avoids pickle: ``save_model`` writes XGBoost's JSON format, which
    also carries what the scikit-learn wrapper needs (objective, class count),
    so ``load_model`` on a fresh wrapper gives identical predictions.
    """

    Params: ClassVar[type[BaseModel]] = XGBoostParams
    handles_missing: ClassVar[bool] = True
    _wrapper: ClassVar[str]

    def _wrapper_class(self) -> Any:
        return _wrappers()[self._wrapper]

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted XGBoost scikit-learn wrapper (``hist``, 2 threads)."""
        assert isinstance(params, XGBoostParams)
        return self._wrapper_class()(
            **params.model_dump(),
            tree_method="hist",
            random_state=seed,
            n_jobs=_N_JOBS,
            verbosity=0,
        )

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Feature importances by total gain (headline) and by split count.

        XGBoost names features ``f0, f1, ...`` when fitted on an array; a
        feature never used in a split is absent from its scores and gets 0.
        """
        booster = estimator.get_booster()
        values = {}
        for kind, xgb_kind in (("gain", "total_gain"), ("split", "weight")):
            scores = booster.get_score(importance_type=xgb_kind)
            values[kind] = [scores.get(f"f{i}", 0.0) for i in range(len(feature_names))]
        return importance_report(values, feature_names)

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """Write the model in XGBoost's JSON format (no pickle)."""
        estimator.save_model(str(directory / MODEL_FILE))

    def load_estimator(self, directory: Path) -> Any:
        """Rebuild a fitted wrapper from the JSON model."""
        estimator = self._wrapper_class()(n_jobs=1)
        estimator.load_model(str(directory / MODEL_FILE))
        return estimator


def _threads(X: Any) -> int:
    """One thread for small tables, two otherwise.

    XGBoost's bundled OpenMP runtime is the one scikit-learn loads (same file),
    usually before Loom can ask its idle threads to sleep (see ``openmp.py``);
    on a 2-core host two jobs spinning 2 threads each then slow small fits a
    hundredfold. On small tables one thread is as fast and cannot contend.
    """
    rows, columns = np.shape(X)[:2] if np.ndim(X) == 2 else (len(X), 1)
    return 1 if rows * columns < SMALL_TABLE_CELLS else _N_JOBS


@cache
def _wrappers() -> dict[str, Any]:
    """XGBoost's wrappers with Loom's thread rule and float64 probabilities.

    XGBoost computes probabilities in float32, whose rows can miss 1 by ~1e-7;
    scikit-learn's log-loss then warns and serving would return sums like
    0.99999994, so the classifier renormalises in float64. Built on first use
    so listing the catalog does not load XGBoost.
    """
    from xgboost import XGBClassifier, XGBRegressor

    class LoomXGBClassifier(XGBClassifier):
        def fit(self, X: Any, y: Any, **kwargs: Any) -> LoomXGBClassifier:
            self.set_params(n_jobs=_threads(X))
            super().fit(X, y, **kwargs)
            return self

        def predict_proba(
            self,
            X: Any,
            validate_features: bool = True,
            base_margin: Any | None = None,
            iteration_range: Any | None = None,
        ) -> np.ndarray:
            raw = super().predict_proba(
                X, validate_features, base_margin, iteration_range
            )
            proba = np.asarray(raw, dtype=np.float64)
            out: np.ndarray = proba / proba.sum(axis=1, keepdims=True)
            return out

    class LoomXGBRegressor(XGBRegressor):
        def fit(self, X: Any, y: Any, **kwargs: Any) -> LoomXGBRegressor:
            self.set_params(n_jobs=_threads(X))
            super().fit(X, y, **kwargs)
            return self

    return {"XGBClassifier": LoomXGBClassifier, "XGBRegressor": LoomXGBRegressor}


@register
class XGBoostClassifierAlgorithm(_XGBoostAlgorithm):
    """Gradient-boosted trees for classification (``XGBClassifier``)."""

    name: ClassVar[str] = "xgboost_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "XGBoost gradient boosting classifier; regularised trees, handles NaN."
    )
    _wrapper: ClassVar[str] = "XGBClassifier"


@register
class XGBoostRegressorAlgorithm(_XGBoostAlgorithm):
    """Gradient-boosted trees for regression (``XGBRegressor``)."""

    name: ClassVar[str] = "xgboost_regressor"
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = (
        "XGBoost gradient boosting regressor; regularised trees, handles NaN."
    )
    _wrapper: ClassVar[str] = "XGBRegressor"
