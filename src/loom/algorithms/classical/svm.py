"""Support vector machines for classification and regression (scikit-learn)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register

_CALIBRATION_FOLDS = 3


class _KernelParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kernel: Literal["linear", "poly", "rbf", "sigmoid"] = Field(
        "rbf", description="Kernel: linear, polynomial, Gaussian RBF or sigmoid."
    )
    C: float = Field(
        1.0,
        ge=1e-6,
        le=1e6,
        description="Penalty on margin violations; larger C fits the rows harder.",
    )
    gamma: Literal["scale", "auto", "value"] = Field(
        "scale",
        description=(
            "Kernel width for rbf/poly/sigmoid: 1/(n_features*var), 1/n_features, "
            "or gamma_value."
        ),
    )
    gamma_value: float = Field(
        0.1, ge=1e-8, le=1e4, description="Gamma used when gamma='value'."
    )
    degree: int = Field(3, ge=1, le=10, description="Degree of the poly kernel.")
    coef0: float = Field(
        0.0, ge=-1e3, le=1e3, description="Independent term of poly/sigmoid kernels."
    )
    scale: bool = Field(
        True,
        description=(
            "Standardise features first; margins are distances, so unscaled "
            "columns with large ranges dominate."
        ),
    )


class SvmClassifierParams(_KernelParams):
    """Parameters of ``svm_classifier``."""

    class_weight: Literal["none", "balanced"] = Field(
        "none", description="Weight classes inversely to their frequency (balanced)."
    )
    probability: Literal["sigmoid", "isotonic"] = Field(
        "sigmoid",
        description=(
            "How margins become probabilities, fitted on cross-validated decision "
            "values: sigmoid (Platt scaling) or isotonic (needs more rows)."
        ),
    )
    multiclass: Literal["ovo", "ovr"] = Field(
        "ovo", description="Multiclass scheme: one-vs-one (libsvm) or one-vs-rest."
    )


class SvrParams(_KernelParams):
    """Parameters of ``svr``."""

    epsilon: float = Field(
        0.1,
        ge=0.0,
        le=1e3,
        description=(
            "Half-width of the no-penalty tube around the fit (in target standard "
            "deviations when scale_target is on)."
        ),
    )
    scale_target: bool = Field(
        True, description="Standardise the target too, so C and epsilon are unitless."
    )


def _kernel_kwargs(params: _KernelParams) -> dict[str, Any]:
    return {
        "kernel": params.kernel,
        "C": params.C,
        "gamma": params.gamma_value if params.gamma == "value" else params.gamma,
        "degree": params.degree,
        "coef0": params.coef0,
    }


def _scaled(estimator: Any, scale: bool) -> Any:
    if not scale:
        return estimator
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), estimator)


@register
class SvmClassifierAlgorithm(Algorithm):
    """Maximum-margin classifier with kernels and calibrated probabilities."""

    name: ClassVar[str] = "svm_classifier"
    scale_sensitive: ClassVar[bool] = True
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "Support vector classifier (linear/poly/rbf/sigmoid kernels), scaled inputs."
    )
    Params: ClassVar[type[BaseModel]] = SvmClassifierParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted (scaler →) SVC, wrapped for calibration/OvR as asked.

        Serving needs ``predict_proba``, which a bare SVC lacks;
        ``CalibratedClassifierCV(ensemble=False)`` fits one SVC on all rows and a
        calibrator on cross-validated margins (what libsvm's deprecated
        ``probability=True`` did internally).
        """
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import SVC

        assert isinstance(params, SvmClassifierParams)
        svc = SVC(
            **_kernel_kwargs(params),
            class_weight=None if params.class_weight == "none" else "balanced",
            random_state=seed,
        )
        model: Any = svc
        if params.multiclass == "ovr":
            from sklearn.multiclass import OneVsRestClassifier

            model = OneVsRestClassifier(svc)
        model = CalibratedClassifierCV(
            model, method=params.probability, cv=_CALIBRATION_FOLDS, ensemble=False
        )
        return _scaled(model, params.scale)


@register
class SvrAlgorithm(Algorithm):
    """Epsilon-insensitive support vector regression."""

    name: ClassVar[str] = "svr"
    scale_sensitive: ClassVar[bool] = True
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = (
        "Support vector regression (epsilon tube, kernels), scaled inputs and target."
    )
    Params: ClassVar[type[BaseModel]] = SvrParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted (scaler →) SVR, optionally on a standardised target."""
        from sklearn.svm import SVR

        assert isinstance(params, SvrParams)
        model = _scaled(
            SVR(**_kernel_kwargs(params), epsilon=params.epsilon), params.scale
        )
        if not params.scale_target:
            return model
        from sklearn.compose import TransformedTargetRegressor
        from sklearn.preprocessing import StandardScaler

        return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
