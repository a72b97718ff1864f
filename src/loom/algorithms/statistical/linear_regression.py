"""``linear_regression``: OLS with the full statistical report (statsmodels-backed)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register


class LinearRegressionParams(BaseModel):
    """Parameters of ``linear_regression``."""

    model_config = ConfigDict(extra="forbid")

    fit_intercept: bool = Field(
        True, description="Fit an intercept; turn off only for data centred at zero."
    )
    confidence: float = Field(
        0.95, ge=0.5, le=0.999, description="Level of the coefficient intervals."
    )
    reference: Literal["first", "most_frequent"] = Field(
        "first",
        description="Which level of each string column is the baseline the "
        "other levels are compared with (first alphabetically or most frequent).",
    )
    selection: Literal["none", "forward", "backward"] = Field(
        "none", description="Stepwise selection of predictors before the final fit."
    )
    selection_criterion: Literal["p", "aic"] = Field(
        "p", description="Stepwise rule: p-value thresholds or lower AIC."
    )
    p_enter: float = Field(
        0.05, ge=0.0001, le=0.5, description="Forward: a predictor enters below this p."
    )
    p_remove: float = Field(
        0.10,
        ge=0.0001,
        le=0.5,
        description="Backward: a predictor leaves above this p.",
    )
    penalty: Literal["none", "ridge", "lasso"] = Field(
        "none",
        description="Shrink coefficients (standardised predictors) against "
        "multicollinearity; disables p-values and intervals.",
    )
    alpha: float = Field(
        0.01, ge=0.0, le=1e6, description="Penalty strength (ridge or lasso only)."
    )
    log_target: bool = Field(
        False,
        description="Fit log(target) for a skewed positive target; predictions "
        "are transformed back.",
    )


@register
class LinearRegressionAlgorithm(Algorithm):
    """Ordinary least squares with B, Beta, t, p, VIF and assumption checks."""

    name: ClassVar[str] = "linear_regression"
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = (
        "Least-squares regression with coefficient tests, VIF and residual "
        "diagnostics; stepwise and ridge/lasso remedies."
    )
    Params: ClassVar[type[BaseModel]] = LinearRegressionParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``OLSRegressor`` (it has no randomness)."""
        from loom.algorithms.statistical.ols_estimator import OLSRegressor, OLSSettings

        assert isinstance(params, LinearRegressionParams)
        return OLSRegressor(OLSSettings(**params.model_dump()))

    def bind_features(self, estimator: Any, feature_names: list[str]) -> None:
        """Remember the encoded names to group dummies and label the report."""
        estimator.feature_names = list(feature_names)

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Coefficient table, model fit, diagnostics, saved values and advice."""
        from loom.algorithms.statistical.ols_report import regression_report

        return regression_report(estimator, X, y)
