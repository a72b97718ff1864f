"""``NeuralEstimator``: scikit-learn verbs over a PyTorch network, and its storage.

Subclasses say how to build the network from the parameters. The estimator
standardises inputs (and regression targets) itself, holds out a validation
share for early stopping, trains with ``Trainer`` and predicts on the CPU.
Storage is a ``state_dict`` read back with ``torch.load(weights_only=True)``
plus a JSON file: nothing is unpickled.
"""

from __future__ import annotations

import abc
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from torch import nn

from loom.algorithms.neural.losses import make_loss
from loom.algorithms.neural.summary import model_summary
from loom.algorithms.neural.training_loop import (
    EpochCallback,
    Trainer,
    TrainerConfig,
    TrainingHistory,
    seed_everything,
)
from loom.core.errors import InvalidInputError

WEIGHTS_FILE = "weights.pt"
CONFIG_FILE = "neural.json"
TRAINER_FIELDS = (
    "optimizer",
    "learning_rate",
    "momentum",
    "nesterov",
    "weight_decay",
    "l1",
    "epochs",
    "batch_size",
    "lr_schedule",
    "early_stopping",
    "patience",
)


class NeuralEstimator(abc.ABC):
    """A PyTorch network with ``fit``/``predict`` (and ``predict_proba``).

    Args:
        params: the algorithm's validated parameters as a plain dict.
        classification: True for classifiers (class codes in, probabilities out).
        seed: seeds weights, shuffling, dropout and the validation split.

    Attributes the caller may set before ``fit``: ``on_epoch`` (per-epoch
    metrics), ``should_stop`` (polled between batches) and ``checkpoint_dir``.
    """

    def __init__(self, params: dict[str, Any], classification: bool, seed: int) -> None:
        self.params = dict(params)
        self.classification = classification
        self.seed = seed
        self.on_epoch: EpochCallback | None = None
        self.should_stop: Callable[[], bool] | None = None
        self.checkpoint_dir: Path | None = None
        self.state: dict[str, Any] = {}
        self.network_: nn.Module | None = None

    @abc.abstractmethod
    def build_network(self, n_features: int, n_outputs: int) -> nn.Module:
        """The untrained network taking ``n_features`` standardised columns."""

    def initialise(self, network: nn.Module) -> None:  # noqa: B027
        """Adjust a freshly built network's starting weights before training
        (text models copy pretrained word vectors in); default: nothing."""

    @abc.abstractmethod
    def input_scale(self, X: np.ndarray) -> tuple[list[float], list[float]]:
        """Mean and standard deviation used to standardise ``X`` (per column or one)."""

    # -- fitting --------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> NeuralEstimator:
        """Standardise, split off validation rows if early stopping, train."""
        X = _matrix(X)
        y = np.asarray(y)
        mean, std = self.input_scale(X)
        self.state = {"n_features": X.shape[1], "x_mean": mean, "x_std": std}
        targets = self._encode_targets(y)
        self._train(self._standardise(X), targets, y)
        return self

    def _train(
        self, inputs: torch.Tensor, targets: torch.Tensor, y: np.ndarray
    ) -> None:
        """Build the network and train it on ``inputs`` (one row per sample).

        Shared by every subclass (tabular, image and text inputs): the
        validation split, seeding, the ``Trainer`` and the fitted state.
        ``state["n_features"]`` and ``state["n_outputs"]`` size the network.
        """
        train_rows, val_rows = self._split(len(y), y)
        seed_everything(self.seed)
        network = self.build_network(self.state["n_features"], self.state["n_outputs"])
        self.initialise(network)
        trainer = self._trainer(network, has_val=val_rows is not None)
        history = trainer.fit(
            inputs[train_rows],
            targets[train_rows],
            None if val_rows is None else inputs[val_rows],
            None if val_rows is None else targets[val_rows],
            resume=self.checkpoint_dir is not None,
        )
        self.state.update(fitted_state(history, trainer.device))
        self.network_ = network.cpu().eval()

    def _encode_targets(self, y: np.ndarray) -> torch.Tensor:
        if self.classification:
            classes = np.unique(y)
            if len(classes) < 2:
                raise InvalidInputError("the target column needs at least 2 classes")
            self.classes_ = classes
            self.state.update(classes=classes.tolist(), n_outputs=len(classes))
            return torch.as_tensor(np.searchsorted(classes, y), dtype=torch.long)
        y = y.astype(np.float64)
        center, spread = float(y.mean()), float(y.std()) or 1.0
        self.state.update(y_mean=center, y_std=spread, n_outputs=1)
        return torch.as_tensor((y - center) / spread, dtype=torch.float32)

    def _split(self, n: int, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Training and validation row indices (stratified for classifiers)."""
        rows = np.arange(n)
        if not self.params.get("early_stopping", False):
            return rows, None
        from sklearn.model_selection import train_test_split

        n_val = math.ceil(self.params["validation_fraction"] * n)
        stratify = y if self.classification and _can_stratify(y, n_val) else None
        train_rows, val_rows = train_test_split(
            rows,
            test_size=self.params["validation_fraction"],
            random_state=self.seed,
            stratify=stratify,
        )
        return np.sort(train_rows), np.sort(val_rows)

    def _trainer(self, network: nn.Module, has_val: bool) -> Trainer:
        config = trainer_config(self.params, self.seed, self.checkpoint_dir)
        metric, name = self._metric() if has_val else (None, "metric")
        return Trainer(
            network,
            self._loss(),
            config,
            metric=metric,
            metric_name=name,
            higher_is_better=True,
            on_epoch=self.on_epoch,
            should_stop=self.should_stop,
        )

    def _loss(self) -> nn.Module:
        loss = self.params["loss"]
        return make_loss(
            loss,
            delta=self.params.get("huber_delta", 1.0),
            tau=self.params.get("quantile", 0.5),
        )

    def _metric(self) -> tuple[Any, str]:
        """Validation accuracy or R² (None for quantile loss: its val loss rules)."""
        if self.classification:
            return _accuracy, "accuracy"
        if self.params["loss"] == "quantile":
            return None, "metric"
        return _r2, "r2"

    # -- predicting -----------------------------------------------------------

    def _standardise(self, X: np.ndarray) -> torch.Tensor:
        mean = np.asarray(self.state["x_mean"])
        std = np.asarray(self.state["x_std"])
        return torch.as_tensor((X - mean) / std, dtype=torch.float32)

    def _outputs(self, X: Any) -> np.ndarray:
        if self.network_ is None:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet")
        X = _matrix(X)
        if X.shape[1] != self.state["n_features"]:
            raise InvalidInputError(
                f"expected {self.state['n_features']} feature columns; got {X.shape[1]}"
            )
        with torch.no_grad():
            out = self.network_(self._standardise(X))
        return out.numpy().astype(np.float64)

    def predict(self, X: Any) -> np.ndarray:
        """Class codes (most probable class) or regression predictions."""
        out = self._outputs(X)
        if self.classification:
            return self.classes_[out.argmax(axis=1)]
        return out[:, 0] * self.state["y_std"] + self.state["y_mean"]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax of the class scores, renormalised in float64."""
        if not self.classification:
            raise AttributeError("predict_proba is only available for classifiers")
        out = self._outputs(X)
        out = np.exp(out - out.max(axis=1, keepdims=True))
        return out / out.sum(axis=1, keepdims=True)

    # -- export ---------------------------------------------------------------

    def export_module(self) -> Any:
        """The ``ExportSpec`` (module, example inputs, names) that export traces.

        The hook lets each estimator say what its exported graph takes: this
        default bakes the standardisation and output step around the network
        over a float matrix; text estimators override it for token ids.
        """
        if self.network_ is None:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet")
        from loom.algorithms.neural.export import tabular_export_spec

        return tabular_export_spec(self)

    # -- reporting and storage ------------------------------------------------

    def report(self) -> dict[str, Any]:
        """Layer summary, per-epoch history (≤ 200 rows) and best epoch."""
        assert self.network_ is not None
        return {
            "summary": model_summary(self.network_, self.state["n_features"]),
            **history_report(self.state),
        }

    def save(self, directory: Path) -> None:
        """``state_dict`` to ``weights.pt``; parameters and fitted scales to JSON."""
        if self.network_ is None:
            raise NotFittedError("cannot save an unfitted network")
        save_weights(self.network_, directory)
        state = {"params": self.params, "seed": self.seed, "state": self.state}
        (directory / CONFIG_FILE).write_text(json.dumps(json_safe(state)))
        self.save_extra(directory)

    # Optional hooks, deliberately not abstract: most networks store nothing else.
    def save_extra(self, directory: Path) -> None:  # noqa: B027
        """Files a subclass stores beside the weights (a vocabulary); none here."""

    def load_extra(self, directory: Path) -> None:  # noqa: B027
        """Read back ``save_extra``'s files before the network is rebuilt."""

    @classmethod
    def load(cls, directory: Path, classification: bool) -> NeuralEstimator:
        """Rebuild the network and load its weights (tensors only, no pickle)."""
        saved = json.loads((directory / CONFIG_FILE).read_text())
        estimator = cls(saved["params"], classification, saved["seed"])
        estimator.state = saved["state"]
        estimator.load_extra(directory)
        state = estimator.state
        network = estimator.build_network(state["n_features"], state["n_outputs"])
        estimator.network_ = load_weights(network, directory)
        if classification:
            estimator.classes_ = np.asarray(state["classes"])
        return estimator


def _matrix(X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise InvalidInputError(
            f"expected a 2-D feature matrix; got {X.ndim} dimensions"
        )
    if not np.isfinite(X).all():
        raise InvalidInputError("feature values must be finite (no NaN or infinity)")
    return X


def _can_stratify(y: np.ndarray, n_val: int) -> bool:
    """Every class twice, and at least one validation row per class."""
    _, counts = np.unique(y, return_counts=True)
    return bool(counts.min() >= 2 and n_val >= len(counts))


def _accuracy(output: torch.Tensor, target: torch.Tensor) -> float:
    return float((output.argmax(dim=1) == target).float().mean())


def _r2(output: torch.Tensor, target: torch.Tensor) -> float:
    residual = ((output.reshape(-1) - target) ** 2).sum()
    total = ((target - target.mean()) ** 2).sum()
    return float(1.0 - residual / total) if float(total) > 0 else 0.0


def json_safe(value: Any) -> Any:
    """NaN/inf (a diverged epoch's loss) become None so the JSON stays standard."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


# -- shared with BiLstmCrfTagger, which trains with Trainer but is no
# NeuralEstimator (sentences in, tag lists out) -------------------------------


def trainer_config(
    params: dict[str, Any], seed: int, checkpoint_dir: Path | None = None
) -> TrainerConfig:
    """The ``TrainerConfig`` a neural entry's ``NeuralTrainingParams`` describe."""
    return TrainerConfig(
        **{name: params[name] for name in TRAINER_FIELDS},
        grad_clip=params["grad_clip"] or None,
        seed=seed,
        checkpoint_dir=checkpoint_dir,
    )


def fitted_state(history: TrainingHistory, device: torch.device) -> dict[str, Any]:
    """What a fit keeps of its history (stored in the JSON beside the weights)."""
    return {
        "history": history.epochs,
        "best_epoch": history.best_epoch,
        "stopped_early": history.stopped_early,
        "stopped_by_request": history.stopped_by_request,
        "device": str(device),
    }


def history_report(state: dict[str, Any]) -> dict[str, Any]:
    """The run page's training rows: history (at most 200 rows), best epoch."""
    history = state.get("history", [])
    step = max(1, -(-len(history) // 200))
    return {
        "history": [{"epoch": i, **row} for i, row in enumerate(history)][::step],
        "best_epoch": state.get("best_epoch"),
        "epochs_run": len(history),
        "stopped_early": state.get("stopped_early", False),
        "device": state.get("device", "cpu"),
    }


def save_weights(network: nn.Module, directory: Path) -> None:
    """The network's ``state_dict`` (tensors only) to ``weights.pt``."""
    torch.save(network.state_dict(), directory / WEIGHTS_FILE)


def load_weights(network: nn.Module, directory: Path) -> nn.Module:
    """``network`` with ``weights.pt`` loaded (``weights_only``: no unpickling)."""
    weights = torch.load(
        directory / WEIGHTS_FILE, map_location="cpu", weights_only=True
    )
    network.load_state_dict(weights)
    return network.eval()
