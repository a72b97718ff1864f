"""What the neural catalog entries share: training parameters and storage hooks."""

from __future__ import annotations

import abc
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task

# Element-wise activations every neural entry offers (mlp adds maxout, softmax).
Activation = Literal[
    "relu", "leaky_relu", "elu", "prelu", "tanh", "sigmoid", "swish", "softplus"
]


class NeuralTrainingParams(BaseModel):
    """How a network is trained; every neural entry accepts these."""

    model_config = ConfigDict(extra="forbid")

    dropout: float = Field(
        0.0, ge=0.0, le=0.9, description="Share of hidden units zeroed while training."
    )
    optimizer: Literal["adam", "adamw", "sgd"] = Field(
        "adam", description="Optimiser; adamw applies weight decay decoupled from Adam."
    )
    learning_rate: float = Field(
        1e-3, ge=1e-6, le=1.0, description="Initial step size of the optimiser."
    )
    momentum: float = Field(
        0.9, ge=0.0, le=0.999, description="Momentum for sgd (ignored by adam/adamw)."
    )
    nesterov: bool = Field(False, description="Nesterov momentum for sgd.")
    weight_decay: float = Field(
        0.0, ge=0.0, le=1.0, description="L2 penalty applied by the optimiser."
    )
    l1: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="L1 penalty on weight matrices, added to the loss.",
    )
    epochs: int = Field(30, ge=1, le=1000, description="Passes over the training rows.")
    batch_size: int = Field(32, ge=1, le=65_536, description="Rows per gradient step.")
    lr_schedule: Literal["none", "step", "cosine", "reduce_on_plateau"] = Field(
        "none",
        description=(
            "Learning-rate schedule: halve every 10 epochs, cosine to zero, or "
            "halve when the monitored value stalls for 3 epochs."
        ),
    )
    grad_clip: float = Field(
        0.0, ge=0.0, le=1000.0, description="Clip the gradient norm to this; 0 = off."
    )
    early_stopping: bool = Field(
        False, description="Hold out validation rows; stop when they stop improving."
    )
    patience: int = Field(
        10, ge=1, le=1000, description="Epochs without improvement before stopping."
    )
    validation_fraction: float = Field(
        0.1,
        ge=0.05,
        le=0.5,
        description="Share of training rows held out for early stopping.",
    )


class NeuralAlgorithm(Algorithm):
    """Build, report, save and load for a ``NeuralEstimator`` subclass.

    torch is imported only when a model is built or loaded, so listing the
    catalog stays cheap.
    """

    scale_sensitive: ClassVar[bool] = True
    # Inputs are standardised inside the estimator (fitted mean/std stored with
    # the weights), so advice to turn on the standardize option does not apply.
    standardizes_inputs: ClassVar[bool] = True

    @abc.abstractmethod
    def estimator_class(self) -> type[Any]:
        """The ``NeuralEstimator`` subclass (imported on first use)."""

    @property
    def _classification(self) -> bool:
        return self.task == Task.CLASSIFICATION

    def build(self, params: BaseModel, seed: int) -> Any:
        """An unfitted estimator; it standardises its inputs itself."""
        return self.estimator_class()(
            params.model_dump(mode="json"), self._classification, seed
        )

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Layer summary (output shapes, parameter counts), history, best epoch."""
        return estimator.report(), {}

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """Weights as a tensor-only ``state_dict``, the rest as JSON (no pickle)."""
        estimator.save(directory)

    def load_estimator(self, directory: Path) -> Any:
        """Rebuild the network from JSON and load its weights (``weights_only``)."""
        return self.estimator_class().load(directory, self._classification)
