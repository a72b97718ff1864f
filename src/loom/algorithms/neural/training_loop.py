"""``Trainer``: mini-batch training with the controls Keras/Lightning users expect.

Optimisers (SGD with momentum/Nesterov, Adam, AdamW), learning-rate schedules,
L1/L2 penalties, gradient clipping, early stopping with restore-best, atomic
checkpoints with exact resume, fixed seeds, a per-epoch callback and a stop
hook polled between batches.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

CHECKPOINT_FILE = "checkpoint.pt"

Metric = Callable[[torch.Tensor, torch.Tensor], float]
EpochCallback = Callable[[int, dict[str, float]], None]


@dataclass
class TrainerConfig:
    """How to train. ``weight_decay`` is L2 inside the optimiser.

    For ``sgd`` and ``adam`` it is the classic coupled penalty (its gradient
    ``weight_decay * w`` is added to the loss gradient); for ``adamw`` it is
    decoupled decay, applied to the weights apart from Adam's scaling. ``l1``
    is an explicit penalty ``l1 * sum |w|`` over weight matrices (not biases or
    norm parameters) added to the loss.
    """

    optimizer: Literal["sgd", "adam", "adamw"] = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    l1: float = 0.0
    epochs: int = 20
    batch_size: int = 64
    lr_schedule: Literal["none", "step", "cosine", "reduce_on_plateau"] = "none"
    step_size: int = 10
    gamma: float = 0.5
    plateau_patience: int = 3
    grad_clip: float | None = None
    early_stopping: bool = False
    patience: int = 10
    seed: int = 0
    checkpoint_dir: Path | None = None


@dataclass
class TrainingHistory:
    """What one ``fit`` did: per-epoch metrics and why it ended."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    best_score: float | None = None
    stopped_early: bool = False
    stopped_by_request: bool = False


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch; deterministic kernels on CPU."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if not torch.cuda.is_available():
        torch.use_deterministic_algorithms(True, warn_only=True)


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# Without clipping, the reported gradient norm is the largest over every 8th
# batch: measuring every batch cost ~12% of a small MLP's epoch (benchmarks/text.py).
GRAD_NORM_EVERY = 8


class Trainer:
    """Train ``model`` on tensors with ``loss``; deterministic for a seed.

    Args:
        model: the network (moved to ``device``).
        loss: ``(output, target) -> scalar``.
        config: optimiser, schedule, regularisation and stopping settings.
        metric: ``(output, target) -> float`` on the validation rows, monitored
            for early stopping (``val_<metric_name>``); without it the
            validation loss is monitored.
        metric_name: the metric's name in the epoch metrics.
        higher_is_better: direction of ``metric``.
        on_epoch: called after every epoch with ``train_loss``, ``val_loss``,
            ``val_<metric_name>``, ``lr``, ``seconds`` and ``grad_norm`` (the
            largest gradient norm after clipping; without clipping, over
            every ``GRAD_NORM_EVERY``-th batch).
        should_stop: polled between batches; True ends training gracefully,
            keeping the best (or last completed) epoch's weights.
        device: defaults to CUDA when available.
    """

    def __init__(
        self,
        model: nn.Module,
        loss: nn.Module,
        config: TrainerConfig,
        *,
        metric: Metric | None = None,
        metric_name: str = "metric",
        higher_is_better: bool = True,
        on_epoch: EpochCallback | None = None,
        should_stop: Callable[[], bool] | None = None,
        device: torch.device | None = None,
    ) -> None:
        self.device = device or default_device()
        self.model = model.to(self.device)
        self.loss = loss.to(self.device)
        self.config = config
        self.metric = metric
        self.metric_name = metric_name
        self.higher_is_better = higher_is_better if metric is not None else False
        self.on_epoch = on_epoch
        self.should_stop = should_stop
        self.optimizer = self._optimizer()
        self.scheduler = self._scheduler()
        self.generator = torch.Generator().manual_seed(config.seed)
        self.history = TrainingHistory()
        self._best_state: dict[str, torch.Tensor] | None = None
        self._last_state: dict[str, torch.Tensor] | None = None
        self._bad_epochs = 0

    def _optimizer(self) -> torch.optim.Optimizer:
        c = self.config
        params = self.model.parameters()
        if c.optimizer == "sgd":
            return torch.optim.SGD(
                params,
                lr=c.learning_rate,
                momentum=c.momentum,
                nesterov=c.nesterov and c.momentum > 0,
                weight_decay=c.weight_decay,
            )
        if c.optimizer == "adamw":
            return torch.optim.AdamW(
                params, lr=c.learning_rate, weight_decay=c.weight_decay
            )
        return torch.optim.Adam(params, lr=c.learning_rate, weight_decay=c.weight_decay)

    def _scheduler(self) -> Any:
        c = self.config
        sched = torch.optim.lr_scheduler
        if c.lr_schedule == "step":
            return sched.StepLR(self.optimizer, step_size=c.step_size, gamma=c.gamma)
        if c.lr_schedule == "cosine":
            return sched.CosineAnnealingLR(self.optimizer, T_max=max(c.epochs, 1))
        if c.lr_schedule == "reduce_on_plateau":
            return sched.ReduceLROnPlateau(
                self.optimizer,
                mode="max" if self.higher_is_better else "min",
                factor=c.gamma,
                patience=c.plateau_patience,
            )
        return None

    # -- the loop -------------------------------------------------------------

    def fit(
        self,
        X: torch.Tensor,
        y: torch.Tensor,
        X_val: torch.Tensor | None = None,
        y_val: torch.Tensor | None = None,
        *,
        resume: bool = False,
    ) -> TrainingHistory:
        """Train for ``config.epochs`` (fewer if stopped); return the history.

        With ``resume`` and a checkpoint in ``config.checkpoint_dir``, training
        continues after the checkpointed epoch with the same weights, optimiser,
        schedule and random streams, so the result equals an uninterrupted run.
        """
        threads = torch.get_num_threads()
        if _is_small(self.model, self.config.batch_size):
            torch.set_num_threads(1)
        try:
            return self._fit(X, y, X_val, y_val, resume=resume)
        finally:
            torch.set_num_threads(threads)

    def _fit(
        self,
        X: torch.Tensor,
        y: torch.Tensor,
        X_val: torch.Tensor | None,
        y_val: torch.Tensor | None,
        *,
        resume: bool,
    ) -> TrainingHistory:
        start = 0
        if resume and self._checkpoint_path() is not None:
            start = self._load_checkpoint()
        else:
            seed_everything(self.config.seed)
        X, y = X.to(self.device), y.to(self.device)
        has_val = X_val is not None and y_val is not None
        if X_val is not None and y_val is not None:  # moved once, not every epoch
            X_val, y_val = X_val.to(self.device), y_val.to(self.device)
        for epoch in range(start, self.config.epochs):
            started = time.perf_counter()
            lr = self.optimizer.param_groups[0]["lr"]
            train_loss, grad_norm, finished = self._run_epoch(X, y)
            if not finished:
                self.history.stopped_by_request = True
                break
            row = {"train_loss": train_loss, "lr": lr, "grad_norm": grad_norm}
            if has_val:
                assert X_val is not None
                assert y_val is not None
                row.update(self._validate(X_val, y_val))
            monitored = self._monitored(row)
            self._step_schedule(monitored)
            if has_val:
                self._track_best(epoch, monitored)
            if self.should_stop is not None:
                self._last_state = _copy_state(self.model)
            row["seconds"] = time.perf_counter() - started
            self.history.epochs.append(row)
            self._save_checkpoint(epoch)
            if self.on_epoch is not None:
                self.on_epoch(epoch, dict(row))
            patience_spent = self._bad_epochs >= self.config.patience
            if self.config.early_stopping and has_val and patience_spent:
                self.history.stopped_early = True
                break
        self._restore_best(has_val)
        return self.history

    def _batches(self, X: torch.Tensor) -> list[torch.Tensor]:
        """Row indices of each batch, shuffled afresh every epoch.

        Subclasses may group rows differently (similar sentence lengths).
        """
        order = torch.randperm(len(X), generator=self.generator).to(self.device)
        return list(order.split(self.config.batch_size))

    def _run_epoch(self, X: torch.Tensor, y: torch.Tensor) -> tuple[float, float, bool]:
        """One pass over shuffled batches: (mean loss, max grad norm, finished)."""
        self.model.train()
        # Loss sum and largest gradient norm stay tensors until the epoch ends:
        # a Python float per batch would sync a GPU every step.
        total = torch.zeros((), device=self.device)
        max_norm = torch.zeros((), device=self.device)
        count = 0
        parameters = [p for p in self.model.parameters() if p.requires_grad]
        for number, index in enumerate(self._batches(X)):
            if self.should_stop is not None and self.should_stop():
                return math.nan, float(max_norm), False
            if len(index) < 2 and len(X) > 1 and _has_batch_norm(self.model):
                continue  # batch norm cannot normalise a single row
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss(self.model(X[index]), y[index])
            total += loss.detach() * len(index)
            count += len(index)
            if self.config.l1 > 0:
                loss = loss + self.config.l1 * _l1_norm(self.model)
            loss.backward()
            if self.config.grad_clip:  # clipping measures the norm anyway
                norm = nn.utils.clip_grad_norm_(parameters, self.config.grad_clip)
                norm = norm.clamp(max=self.config.grad_clip)
                max_norm = torch.maximum(max_norm, norm)
            elif number % GRAD_NORM_EVERY == 0:
                max_norm = torch.maximum(max_norm, _grad_norm(parameters))
            self.optimizer.step()
        return float(total) / max(count, 1), float(max_norm), True

    @torch.no_grad()
    def _validate(self, X_val: torch.Tensor, y_val: torch.Tensor) -> dict[str, float]:
        self.model.eval()
        output = self.model(X_val)
        row = {"val_loss": float(self.loss(output, y_val))}
        if self.metric is not None:
            row[f"val_{self.metric_name}"] = float(self.metric(output, y_val))
        return row

    def _monitored(self, row: dict[str, float]) -> float:
        if self.metric is not None and f"val_{self.metric_name}" in row:
            return row[f"val_{self.metric_name}"]
        return row.get("val_loss", row["train_loss"])

    def _step_schedule(self, monitored: float) -> None:
        if self.scheduler is None:
            return
        if self.config.lr_schedule == "reduce_on_plateau":
            self.scheduler.step(monitored)
        else:
            self.scheduler.step()

    def _track_best(self, epoch: int, score: float) -> None:
        """Keep a copy of the weights of the best epoch so far."""
        best = self.history.best_score
        better = (
            best is None
            or (self.higher_is_better and score > best)
            or (not self.higher_is_better and score < best)
        )
        if better and not math.isnan(score):
            self.history.best_score, self.history.best_epoch = score, epoch
            self._best_state = _copy_state(self.model)
            self._bad_epochs = 0
        else:
            self._bad_epochs += 1

    def _restore_best(self, has_val: bool) -> None:
        """Best epoch's weights with validation; the last whole epoch's on a stop."""
        if has_val and self._best_state is not None:
            self.model.load_state_dict(self._best_state)
        elif self.history.stopped_by_request and self._last_state is not None:
            self.model.load_state_dict(self._last_state)

    # -- checkpoints ----------------------------------------------------------

    def _checkpoint_path(self) -> Path | None:
        directory = self.config.checkpoint_dir
        if directory is None or not (directory / CHECKPOINT_FILE).exists():
            return None
        return directory / CHECKPOINT_FILE

    def _save_checkpoint(self, epoch: int) -> None:
        """Write everything resume needs, atomically (temp file + rename)."""
        directory = self.config.checkpoint_dir
        if directory is None:
            return
        directory.mkdir(parents=True, exist_ok=True)
        state = {
            "epoch": epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler else {},
            "best_state": self._best_state or {},
            "best_epoch": -1
            if self.history.best_epoch is None
            else self.history.best_epoch,
            "best_score": self.history.best_score,
            "bad_epochs": self._bad_epochs,
            "history": self.history.epochs,
            "torch_rng": torch.get_rng_state(),
            "shuffle_rng": self.generator.get_state(),
        }
        temporary = directory / f".{CHECKPOINT_FILE}.{os.getpid()}.tmp"
        torch.save(state, temporary)
        os.replace(temporary, directory / CHECKPOINT_FILE)

    def _load_checkpoint(self) -> int:
        """Restore the checkpoint; return the first epoch still to run."""
        path = self._checkpoint_path()
        assert path is not None
        state = torch.load(path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"]:
            self.scheduler.load_state_dict(state["scheduler"])
        self._best_state = state["best_state"] or None
        best_epoch = int(state["best_epoch"])
        self.history.best_epoch = None if best_epoch < 0 else best_epoch
        self.history.best_score = state["best_score"]
        self.history.epochs = list(state["history"])
        self._bad_epochs = int(state["bad_epochs"])
        self._last_state = _copy_state(self.model)
        torch.set_rng_state(state["torch_rng"])
        self.generator.set_state(state["shuffle_rng"])
        if not torch.cuda.is_available():
            torch.use_deterministic_algorithms(True, warn_only=True)
        return int(state["epoch"]) + 1


def _is_small(model: nn.Module, batch_size: int) -> bool:
    """Small CPU work runs faster on one thread than on contended many.

    Below about 10^7 multiply-adds per batch, thread start-up and contention
    with other processes cost more than the parallel speed-up (measured: an MLP
    on 569 rows trains 5-25x faster on one thread of a busy 2-core machine).
    Embedding tables are left out of the count: a batch looks up a few of
    their rows, so a text network with a large vocabulary is still light work
    (measured: a bag-of-n-grams classifier fits in 9 s on one thread against
    45 s on two contended ones).
    """
    n_parameters = sum(
        p.numel()
        for m in model.modules()
        if not isinstance(m, nn.Embedding | nn.EmbeddingBag)
        for p in m.parameters(recurse=False)
    )
    return n_parameters * batch_size < 10_000_000 and not torch.cuda.is_available()


def _copy_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _has_batch_norm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def _l1_norm(model: nn.Module) -> torch.Tensor:
    """Sum of |w| over weight tensors with 2+ dimensions (not biases or norms)."""
    weights = [p.abs().sum() for p in model.parameters() if p.ndim >= 2]
    return torch.stack(weights).sum()


def _grad_norm(parameters: list[torch.Tensor]) -> torch.Tensor:
    """The global L2 norm of the gradients, as a 0-d tensor (one fused kernel)."""
    grads = [p.grad.detach() for p in parameters if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
