"""Logistic regression (regularised) with an odds-ratio report when unpenalised.

Ordinary least squares lives in ``loom.algorithms.statistical.linear_regression``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register


class LogisticRegressionParams(BaseModel):
    """Parameters of ``logistic_regression``."""

    model_config = ConfigDict(extra="forbid")

    C: float = Field(
        1.0, ge=1e-6, le=1e6, description="Inverse regularisation strength."
    )
    penalty: Literal["l2", "l1", "elasticnet", "none"] = Field(
        "l2", description="Regularisation norm; 'none' fits without a penalty."
    )
    l1_ratio: float = Field(
        0.5, ge=0.0, le=1.0, description="L1 share of the penalty (elasticnet only)."
    )
    max_iter: int = Field(
        1000, ge=10, le=100_000, description="Maximum solver iterations."
    )
    class_weight: Literal["none", "balanced"] = Field(
        "none", description="'balanced' weights classes inversely to their frequency."
    )


@register
class LogisticRegressionAlgorithm(Algorithm):
    """Logistic regression on standardised features (scaler + ``LogisticRegression``).

    Features are standardised inside the estimator because the solvers converge
    far faster and the penalty treats every feature alike only on a common scale.
    """

    name: ClassVar[str] = "logistic_regression"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "Linear classifier with calibrated probabilities; L1/L2/elastic-net penalties."
    )
    Params: ClassVar[type[BaseModel]] = LogisticRegressionParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted scaler + logistic-regression pipeline.

        scikit-learn ≥ 1.8 expresses the penalty through ``l1_ratio`` and ``C``
        (``penalty`` is deprecated): l2 → l1_ratio 0, l1 → 1, none → C = inf.
        lbfgs handles the smooth penalties; saga is the solver that supports
        L1 and elastic-net for multiclass problems.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        assert isinstance(params, LogisticRegressionParams)
        l1_ratio = {"l2": 0.0, "none": 0.0, "l1": 1.0}.get(
            params.penalty, params.l1_ratio
        )
        model = LogisticRegression(
            C=math.inf if params.penalty == "none" else params.C,
            l1_ratio=l1_ratio,
            solver="lbfgs" if params.penalty in ("l2", "none") else "saga",
            max_iter=params.max_iter,
            class_weight=None if params.class_weight == "none" else "balanced",
            random_state=seed,
        )
        return Pipeline([("scale", StandardScaler()), ("model", model)])

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Odds ratios and p-values (statsmodels) when the model is unpenalised."""
        from loom.algorithms.statistical.logit_report import logistic_report

        model = estimator.named_steps["model"]
        penalised = not math.isinf(model.C)
        table = logistic_report(X, y, feature_names, penalised, confidence=0.95)
        return {"statistics": table}, {}
