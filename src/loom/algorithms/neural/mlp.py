"""``mlp_classifier`` and ``mlp_regressor``: multilayer perceptrons for tables."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from loom.algorithms.base import Task
from loom.algorithms.neural.common import (
    Activation,
    NeuralAlgorithm,
    NeuralTrainingParams,
)
from loom.algorithms.registry import register

HiddenActivation = Literal[Activation, "maxout", "softmax"]


class MLPParams(NeuralTrainingParams):
    """Shape of the network; training settings come from the parent."""

    n_layers: int = Field(2, ge=1, le=16, description="Hidden layers.")
    width: int = Field(64, ge=1, le=4096, description="Units in each hidden layer.")
    activation: HiddenActivation = Field(
        "relu", description="Hidden-layer activation; maxout learns its own."
    )
    negative_slope: float = Field(
        0.01, ge=0.0, le=1.0, description="Slope for negatives in leaky_relu."
    )
    elu_alpha: float = Field(1.0, ge=0.0, le=10.0, description="Saturation of elu.")
    maxout_pieces: int = Field(
        2, ge=2, le=16, description="Linear pieces per unit when activation is maxout."
    )
    normalization: Literal["none", "batch", "layer"] = Field(
        "none", description="Batch or layer normalisation after each hidden layer."
    )


class MLPClassifierParams(MLPParams):
    """``mlp_classifier`` parameters."""

    loss: Literal["cross_entropy", "hinge"] = Field(
        "cross_entropy",
        description="cross_entropy, or multiclass (Crammer-Singer) hinge.",
    )


class MLPRegressorParams(MLPParams):
    """``mlp_regressor`` parameters."""

    loss: Literal["mse", "mae", "huber", "quantile"] = Field(
        "mse", description="Regression loss; quantile predicts the tau-quantile."
    )
    huber_delta: float = Field(
        1.0,
        ge=0.01,
        le=100.0,
        description="Huber switch point, in standard deviations of the target.",
    )
    quantile: float = Field(
        0.5, ge=0.01, le=0.99, description="tau for the quantile (pinball) loss."
    )


class _MLPAlgorithm(NeuralAlgorithm):
    def estimator_class(self) -> type[Any]:
        from loom.algorithms.neural.mlp_network import MLPEstimator

        return MLPEstimator


@register
class MLPClassifierAlgorithm(_MLPAlgorithm):
    """Multilayer perceptron classifier trained with PyTorch."""

    name: ClassVar[str] = "mlp_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "Neural network (MLP) classifier in PyTorch; standardises inputs itself."
    )
    Params: ClassVar[type[BaseModel]] = MLPClassifierParams


@register
class MLPRegressorAlgorithm(_MLPAlgorithm):
    """Multilayer perceptron regressor trained with PyTorch."""

    name: ClassVar[str] = "mlp_regressor"
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = (
        "Neural network (MLP) regressor in PyTorch: mse, mae, huber or quantile loss."
    )
    Params: ClassVar[type[BaseModel]] = MLPRegressorParams
