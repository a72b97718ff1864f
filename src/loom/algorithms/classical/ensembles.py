"""Extra trees, AdaBoost and gradient boosting (scikit-learn), with importances.

Bagging (extra trees) averages independent randomised trees; boosting (AdaBoost,
gradient boosting) fits each new tree to what the previous ones got wrong:
AdaBoost by re-weighting misclassified rows, gradient boosting by fitting the
negative gradient of the loss (the residual, for squared error).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.classical.forests import MAX_FEATURES, ForestParams, forest_kwargs
from loom.algorithms.importances import ImpurityImportanceReport
from loom.algorithms.registry import register

# -- extra trees -------------------------------------------------------------------


class _ExtraTreesParams(ForestParams):
    bootstrap: bool = Field(
        False,
        description="Sample rows with replacement per tree (off: every tree sees "
        "all rows, the randomness is in the split thresholds).",
    )


class ExtraTreesClassifierParams(_ExtraTreesParams):
    """Parameters of ``extra_trees_classifier``."""

    max_features: Literal["sqrt", "log2", "all"] = Field(
        "sqrt", description="Features tried per split: sqrt(n), log2(n) or all."
    )


class ExtraTreesRegressorParams(_ExtraTreesParams):
    """Parameters of ``extra_trees_regressor``."""

    max_features: Literal["sqrt", "log2", "all"] = Field(
        "all", description="Features tried per split: sqrt(n), log2(n) or all."
    )


def _extra_trees_kwargs(
    params: ExtraTreesClassifierParams | ExtraTreesRegressorParams, seed: int
) -> dict[str, Any]:
    # Same knobs as a random forest, plus the bootstrap switch that forests
    # keep on and extra trees default off.
    return {**forest_kwargs(params, seed), "bootstrap": params.bootstrap}


@register
class ExtraTreesClassifierAlgorithm(ImpurityImportanceReport, Algorithm):
    """Extremely randomised trees voting on the class (``ExtraTreesClassifier``)."""

    name: ClassVar[str] = "extra_trees_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "Extra trees classifier: random forest with random split thresholds."
    )
    Params: ClassVar[type[BaseModel]] = ExtraTreesClassifierParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``ExtraTreesClassifier``."""
        from sklearn.ensemble import ExtraTreesClassifier

        assert isinstance(params, ExtraTreesClassifierParams)
        return ExtraTreesClassifier(**_extra_trees_kwargs(params, seed))


@register
class ExtraTreesRegressorAlgorithm(ImpurityImportanceReport, Algorithm):
    """Extremely randomised trees averaging their predictions."""

    name: ClassVar[str] = "extra_trees_regressor"
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = (
        "Extra trees regressor: random forest with random split thresholds."
    )
    Params: ClassVar[type[BaseModel]] = ExtraTreesRegressorParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``ExtraTreesRegressor``."""
        from sklearn.ensemble import ExtraTreesRegressor

        assert isinstance(params, ExtraTreesRegressorParams)
        return ExtraTreesRegressor(**_extra_trees_kwargs(params, seed))


# -- AdaBoost ----------------------------------------------------------------------


class AdaBoostClassifierParams(BaseModel):
    """Parameters of ``adaboost_classifier`` (multiclass via SAMME)."""

    model_config = ConfigDict(extra="forbid")

    n_estimators: int = Field(50, ge=1, le=5000, description="Boosting rounds.")
    learning_rate: float = Field(
        1.0, ge=1e-4, le=10.0, description="Shrinks each tree's vote weight."
    )
    max_depth: int = Field(
        1, ge=1, le=32, description="Depth of each base tree (1 = decision stumps)."
    )


class AdaBoostRegressorParams(AdaBoostClassifierParams):
    """Parameters of ``adaboost_regressor`` (AdaBoost.R2)."""

    max_depth: int = Field(
        3, ge=1, le=32, description="Depth of each base regression tree."
    )
    loss: Literal["linear", "square", "exponential"] = Field(
        "linear", description="How a row's error updates its weight (AdaBoost.R2)."
    )


@register
class AdaBoostClassifierAlgorithm(ImpurityImportanceReport, Algorithm):
    """AdaBoost (SAMME): re-weights misclassified rows before each new tree."""

    name: ClassVar[str] = "adaboost_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "AdaBoost classifier: boosted shallow trees, re-weighting the mistakes."
    )
    Params: ClassVar[type[BaseModel]] = AdaBoostClassifierParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``AdaBoostClassifier`` over depth-limited trees."""
        from sklearn.ensemble import AdaBoostClassifier
        from sklearn.tree import DecisionTreeClassifier

        assert isinstance(params, AdaBoostClassifierParams)
        return AdaBoostClassifier(
            estimator=DecisionTreeClassifier(max_depth=params.max_depth),
            n_estimators=params.n_estimators,
            learning_rate=params.learning_rate,
            random_state=seed,
        )


@register
class AdaBoostRegressorAlgorithm(ImpurityImportanceReport, Algorithm):
    """AdaBoost.R2: re-weights rows by their relative error before each tree."""

    name: ClassVar[str] = "adaboost_regressor"
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = (
        "AdaBoost regressor (R2): boosted trees, re-weighting the largest errors."
    )
    Params: ClassVar[type[BaseModel]] = AdaBoostRegressorParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``AdaBoostRegressor`` over depth-limited trees."""
        from sklearn.ensemble import AdaBoostRegressor
        from sklearn.tree import DecisionTreeRegressor

        assert isinstance(params, AdaBoostRegressorParams)
        return AdaBoostRegressor(
            estimator=DecisionTreeRegressor(max_depth=params.max_depth),
            n_estimators=params.n_estimators,
            learning_rate=params.learning_rate,
            loss=params.loss,
            random_state=seed,
        )


# -- gradient boosting -------------------------------------------------------------


class GradientBoostingClassifierParams(BaseModel):
    """Parameters of ``gradient_boosting_classifier`` (log-loss)."""

    model_config = ConfigDict(extra="forbid")

    n_estimators: int = Field(100, ge=1, le=5000, description="Boosting rounds.")
    learning_rate: float = Field(
        0.1, ge=1e-4, le=1.0, description="Shrinkage applied to each tree."
    )
    max_depth: int = Field(3, ge=1, le=32, description="Depth of each tree.")
    min_samples_leaf: int = Field(
        1, ge=1, le=1000, description="Minimum rows in each leaf."
    )
    subsample: float = Field(
        1.0,
        ge=0.05,
        le=1.0,
        description="Share of rows sampled per tree (< 1: stochastic boosting).",
    )
    max_features: Literal["sqrt", "log2", "all"] = Field(
        "all", description="Features tried per split: sqrt(n), log2(n) or all."
    )


class GradientBoostingRegressorParams(GradientBoostingClassifierParams):
    """Parameters of ``gradient_boosting_regressor``."""

    loss: Literal["squared_error", "absolute_error", "huber"] = Field(
        "squared_error",
        description="Loss whose negative gradient each tree fits; huber and "
        "absolute_error resist outliers.",
    )


def _gbm_kwargs(params: GradientBoostingClassifierParams, seed: int) -> dict[str, Any]:
    return {
        "n_estimators": params.n_estimators,
        "learning_rate": params.learning_rate,
        "max_depth": params.max_depth,
        "min_samples_leaf": params.min_samples_leaf,
        "subsample": params.subsample,
        "max_features": MAX_FEATURES[params.max_features],
        "random_state": seed,
    }


@register
class GradientBoostingClassifierAlgorithm(ImpurityImportanceReport, Algorithm):
    """Friedman's gradient boosting machine on log-loss (scikit-learn)."""

    name: ClassVar[str] = "gradient_boosting_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "Gradient boosting classifier (scikit-learn GBM); exact splits, small data."
    )
    Params: ClassVar[type[BaseModel]] = GradientBoostingClassifierParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``GradientBoostingClassifier``."""
        from sklearn.ensemble import GradientBoostingClassifier

        assert isinstance(params, GradientBoostingClassifierParams)
        return GradientBoostingClassifier(**_gbm_kwargs(params, seed))


@register
class GradientBoostingRegressorAlgorithm(ImpurityImportanceReport, Algorithm):
    """Friedman's gradient boosting machine for regression (scikit-learn)."""

    name: ClassVar[str] = "gradient_boosting_regressor"
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = (
        "Gradient boosting regressor (scikit-learn GBM); exact splits, small data."
    )
    Params: ClassVar[type[BaseModel]] = GradientBoostingRegressorParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``GradientBoostingRegressor``."""
        from sklearn.ensemble import GradientBoostingRegressor

        assert isinstance(params, GradientBoostingRegressorParams)
        return GradientBoostingRegressor(**_gbm_kwargs(params, seed), loss=params.loss)
