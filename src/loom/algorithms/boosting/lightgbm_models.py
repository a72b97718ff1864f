"""LightGBM gradient-boosted trees, stored in LightGBM's native text format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.boosting.openmp import prefer_passive_wait
from loom.algorithms.importances import importance_report
from loom.algorithms.registry import register

prefer_passive_wait()  # before the library loads; see openmp.py

BOOSTER_FILE = "booster.txt"
WRAPPER_FILE = "lightgbm_wrapper.json"
# Settings every Loom LightGBM fit shares (here and in gbdt_lr): two threads
# for small hosts, and results that repeat exactly for a seed.
FIXED_SETTINGS: dict[str, Any] = {
    "n_jobs": 2,
    "deterministic": True,
    "force_row_wise": True,  # deterministic=True needs a fixed histogram layout
    "verbose": -1,
}


def gain_and_split(booster: Any) -> dict[str, Any]:
    """A LightGBM booster's importances by total gain (headline) and split count."""
    return {
        "gain": booster.feature_importance(importance_type="gain"),
        "split": booster.feature_importance(importance_type="split"),
    }


class LightGBMParams(BaseModel):
    """Parameters shared by ``lightgbm_classifier`` and ``lightgbm_regressor``."""

    model_config = ConfigDict(extra="forbid")

    n_estimators: int = Field(100, ge=1, le=10_000, description="Boosting rounds.")
    learning_rate: float = Field(
        0.1, ge=1e-4, le=1.0, description="Shrinkage applied to each tree."
    )
    num_leaves: int = Field(31, ge=2, le=4096, description="Maximum leaves per tree.")
    max_depth: int = Field(
        -1, ge=-1, le=64, description="Maximum tree depth; -1 means no limit."
    )
    min_child_samples: int = Field(
        20, ge=1, le=10_000, description="Minimum rows in a leaf."
    )
    subsample: float = Field(
        1.0, ge=0.05, le=1.0, description="Share of rows sampled for each tree."
    )
    colsample_bytree: float = Field(
        1.0, ge=0.05, le=1.0, description="Share of features sampled for each tree."
    )
    reg_alpha: float = Field(0.0, ge=0.0, le=1000.0, description="L1 regularisation.")
    reg_lambda: float = Field(0.0, ge=0.0, le=1000.0, description="L2 regularisation.")


class _LightGBMAlgorithm(Algorithm):
    """Common build/save/load for the LightGBM classifier and regressor.

    Saving avoids pickle: the booster goes to LightGBM's own text format and the
    few attributes the scikit-learn wrapper needs go to JSON; ``load_estimator``
    rebuilds a fitted wrapper from the two.
    """

    Params: ClassVar[type[BaseModel]] = LightGBMParams
    handles_missing: ClassVar[bool] = True
    _wrapper: ClassVar[str]

    def _wrapper_class(self) -> Any:
        import lightgbm

        return getattr(lightgbm, self._wrapper)

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted, deterministic LightGBM scikit-learn wrapper."""
        assert isinstance(params, LightGBMParams)
        return self._wrapper_class()(
            **params.model_dump(),
            subsample_freq=1 if params.subsample < 1.0 else 0,
            random_state=seed,
            **FIXED_SETTINGS,
        )

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Feature importances by total gain (headline) and by split count.

        Gain (the loss reduction a feature's splits bring) measures how much a
        feature helps; split count only how often it is used, which favours
        features with many distinct values.
        """
        return importance_report(gain_and_split(estimator.booster_), feature_names)

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """Write the booster as text and the wrapper's fitted state as JSON."""
        estimator.booster_.save_model(str(directory / BOOSTER_FILE))
        state: dict[str, Any] = {
            "wrapper": self._wrapper,
            "params": estimator.get_params(),
            "objective": estimator._objective,
            "n_features": estimator._n_features,
            "n_features_in": estimator._n_features_in,
            "best_iteration": estimator._best_iteration,
        }
        if self.task == Task.CLASSIFICATION:
            state["classes"] = estimator.classes_.tolist()
        (directory / WRAPPER_FILE).write_text(json.dumps(state, indent=2))

    def load_estimator(self, directory: Path) -> Any:
        """Rebuild a fitted wrapper around the saved booster (no pickle involved)."""
        import lightgbm
        import numpy as np

        state = json.loads((directory / WRAPPER_FILE).read_text())
        estimator = self._wrapper_class()(**state["params"])
        estimator._Booster = lightgbm.Booster(model_file=str(directory / BOOSTER_FILE))
        estimator._objective = state["objective"]
        estimator._n_features = state["n_features"]
        estimator._n_features_in = state["n_features_in"]
        estimator._best_iteration = state["best_iteration"]
        estimator._best_score = {}
        estimator._evals_result = {}
        if "classes" in state:
            from sklearn.preprocessing import LabelEncoder

            estimator._le = LabelEncoder().fit(np.asarray(state["classes"]))
            estimator._classes = estimator._le.classes_
            estimator._n_classes = len(estimator._classes)
            estimator._class_map = {c: i for i, c in enumerate(estimator._classes)}
        estimator.fitted_ = True
        return estimator


@register
class LightGBMClassifierAlgorithm(_LightGBMAlgorithm):
    """Gradient-boosted trees for classification (``LGBMClassifier``)."""

    name: ClassVar[str] = "lightgbm_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "LightGBM gradient boosting classifier; strong on tabular data, handles NaN."
    )
    _wrapper: ClassVar[str] = "LGBMClassifier"


@register
class LightGBMRegressorAlgorithm(_LightGBMAlgorithm):
    """Gradient-boosted trees for regression (``LGBMRegressor``)."""

    name: ClassVar[str] = "lightgbm_regressor"
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = (
        "LightGBM gradient boosting regressor; strong on tabular data, handles NaN."
    )
    _wrapper: ClassVar[str] = "LGBMRegressor"
