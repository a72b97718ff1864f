"""Random forests for classification and regression (scikit-learn), with importances."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.importances import ImpurityImportanceReport
from loom.algorithms.registry import register

# Trees are built on two threads: Loom hosts are small and several jobs may run
# at once; results do not depend on it (each tree's seed comes from random_state).
_N_JOBS = 2
MAX_FEATURES = {"sqrt": "sqrt", "log2": "log2", "all": 1.0}


class ForestParams(BaseModel):
    """Knobs every bagged-tree ensemble shares (random forest, extra trees)."""

    model_config = ConfigDict(extra="forbid")

    n_estimators: int = Field(100, ge=1, le=5000, description="Number of trees.")
    max_depth: int | None = Field(
        None, ge=1, le=200, description="Maximum tree depth; none grows full trees."
    )
    min_samples_split: int = Field(
        2, ge=2, le=1000, description="Minimum rows needed to split a node."
    )
    min_samples_leaf: int = Field(
        1, ge=1, le=1000, description="Minimum rows in each leaf."
    )


class RandomForestClassifierParams(ForestParams):
    """Parameters of ``random_forest_classifier``."""

    max_features: Literal["sqrt", "log2", "all"] = Field(
        "sqrt", description="Features tried per split: sqrt(n), log2(n) or all."
    )


class RandomForestRegressorParams(ForestParams):
    """Parameters of ``random_forest_regressor``."""

    max_features: Literal["sqrt", "log2", "all"] = Field(
        "all", description="Features tried per split: sqrt(n), log2(n) or all."
    )


def forest_kwargs(params: ForestParams, seed: int) -> dict[str, Any]:
    """scikit-learn keyword arguments for a bagged-tree ensemble.

    ``params`` must also declare ``max_features`` (each concrete subclass does,
    with its own default).
    """
    return {
        "n_estimators": params.n_estimators,
        "max_depth": params.max_depth,
        "min_samples_split": params.min_samples_split,
        "min_samples_leaf": params.min_samples_leaf,
        "max_features": MAX_FEATURES[params.max_features],  # type: ignore[attr-defined]
        "n_jobs": _N_JOBS,
        "random_state": seed,
    }


@register
class RandomForestClassifierAlgorithm(ImpurityImportanceReport, Algorithm):
    """Bagged decision trees voting on the class (``RandomForestClassifier``)."""

    name: ClassVar[str] = "random_forest_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "Random forest classifier; robust default for tabular data."
    )
    Params: ClassVar[type[BaseModel]] = RandomForestClassifierParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``RandomForestClassifier``."""
        from sklearn.ensemble import RandomForestClassifier

        assert isinstance(params, RandomForestClassifierParams)
        return RandomForestClassifier(**forest_kwargs(params, seed))


@register
class RandomForestRegressorAlgorithm(ImpurityImportanceReport, Algorithm):
    """Bagged decision trees averaging their predictions (``RandomForestRegressor``)."""

    name: ClassVar[str] = "random_forest_regressor"
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = "Random forest regressor; robust default for tabular data."
    Params: ClassVar[type[BaseModel]] = RandomForestRegressorParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``RandomForestRegressor``."""
        from sklearn.ensemble import RandomForestRegressor

        assert isinstance(params, RandomForestRegressorParams)
        return RandomForestRegressor(**forest_kwargs(params, seed))
