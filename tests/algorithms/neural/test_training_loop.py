"""Trainer: reproducibility, early stopping, checkpoints, stop hook, clipping, schedules."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris
from torch import nn

from loom.algorithms.neural.losses import make_loss
from loom.algorithms.neural.training_loop import (
    CHECKPOINT_FILE,
    Trainer,
    TrainerConfig,
    seed_everything,
)


@pytest.fixture(scope="module")
def iris() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order], y[order]
    Xt = torch.tensor(X, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.long)
    return Xt[:120], yt[:120], Xt[120:], yt[120:]


def _model(seed: int, dropout: float = 0.0) -> nn.Module:
    seed_everything(seed)
    return nn.Sequential(
        nn.Linear(4, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3)
    )


def _accuracy(output: torch.Tensor, target: torch.Tensor) -> float:
    return float((output.argmax(dim=1) == target).float().mean())


def _trainer(model: nn.Module, **config: object) -> Trainer:
    defaults: dict[str, object] = {"epochs": 5, "batch_size": 16, "seed": 7}
    return Trainer(
        model,
        make_loss("cross_entropy"),
        TrainerConfig(**{**defaults, **config}),  # type: ignore[arg-type]
        metric=_accuracy,
        metric_name="accuracy",
    )


def _weights(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def _assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_trainer_same_seed_gives_identical_weights(iris: tuple) -> None:
    X, y, _, _ = iris
    runs = []
    for _ in range(2):
        model = _model(3, dropout=0.2)
        _trainer(model, optimizer="sgd", nesterov=True, learning_rate=0.05).fit(X, y)
        runs.append(_weights(model))
    _assert_same(runs[0], runs[1])
    other = _model(4, dropout=0.2)
    _trainer(other, optimizer="sgd", nesterov=True, learning_rate=0.05).fit(X, y)
    assert not np.array_equal(runs[0]["0.weight"], _weights(other)["0.weight"])


def test_trainer_early_stopping_stops_and_restores_the_best_epoch(iris: tuple) -> None:
    X, y, X_val, y_val = iris
    model = _model(1)
    snapshots: list[dict[str, np.ndarray]] = []
    metrics: list[dict[str, float]] = []
    trainer = _trainer(
        model, epochs=200, early_stopping=True, patience=3, learning_rate=0.05
    )
    trainer.on_epoch = lambda epoch, row: (
        snapshots.append(_weights(model)),
        metrics.append(row),
    )
    history = trainer.fit(X, y, X_val, y_val)
    assert history.stopped_early
    assert len(history.epochs) < 200
    assert history.best_epoch is not None
    assert len(history.epochs) == history.best_epoch + 1 + 3
    scores = [row["val_accuracy"] for row in metrics]
    assert history.best_score == max(scores)
    assert scores.index(max(scores)) == history.best_epoch
    _assert_same(_weights(model), snapshots[history.best_epoch])
    assert set(metrics[0]) >= {
        "train_loss",
        "val_loss",
        "val_accuracy",
        "lr",
        "seconds",
    }


def test_trainer_resume_from_checkpoint_reproduces_an_uninterrupted_run(
    iris: tuple, tmp_path: Path
) -> None:
    X, y, _, _ = iris
    settings = {"epochs": 6, "lr_schedule": "cosine", "optimizer": "adamw"}
    straight = _model(5, dropout=0.3)
    _trainer(straight, **settings).fit(X, y)

    batches = 0

    def stop_mid_third_epoch() -> bool:
        nonlocal batches
        batches += 1
        return batches > 2 * 8 + 3  # 8 batches an epoch: stop inside epoch 3

    first = _model(5, dropout=0.3)
    interrupted = _trainer(first, checkpoint_dir=tmp_path, **settings)
    interrupted.should_stop = stop_mid_third_epoch
    history = interrupted.fit(X, y)
    assert history.stopped_by_request
    assert len(history.epochs) == 2
    assert [p.name for p in tmp_path.iterdir()] == [CHECKPOINT_FILE]

    resumed_model = _model(99, dropout=0.3)  # different init: the checkpoint wins
    resumed = _trainer(resumed_model, checkpoint_dir=tmp_path, **settings)
    history = resumed.fit(X, y, resume=True)
    assert len(history.epochs) == 6
    _assert_same(_weights(resumed_model), _weights(straight))


def test_trainer_should_stop_keeps_the_last_completed_epoch(iris: tuple) -> None:
    X, y, _, _ = iris
    model = _model(2)
    snapshots: list[dict[str, np.ndarray]] = []
    trainer = _trainer(model, epochs=50)
    trainer.on_epoch = lambda epoch, row: snapshots.append(_weights(model))
    calls = 0

    def stop_after_a_while() -> bool:
        nonlocal calls
        calls += 1
        return calls > 3 * 8 + 5

    trainer.should_stop = stop_after_a_while
    history = trainer.fit(X, y)
    assert history.stopped_by_request
    assert not history.stopped_early
    assert len(history.epochs) == 3
    _assert_same(_weights(model), snapshots[-1])


def test_trainer_should_stop_with_validation_keeps_the_best_epoch(iris: tuple) -> None:
    X, y, X_val, y_val = iris
    model = _model(2)
    snapshots: list[dict[str, np.ndarray]] = []
    trainer = _trainer(model, epochs=50, learning_rate=0.05)
    trainer.on_epoch = lambda epoch, row: snapshots.append(_weights(model))
    trainer.should_stop = lambda: len(snapshots) >= 6
    history = trainer.fit(X, y, X_val, y_val)
    assert history.stopped_by_request
    assert history.best_epoch is not None
    _assert_same(_weights(model), snapshots[history.best_epoch])


def test_trainer_gradient_clipping_bounds_the_norm(iris: tuple) -> None:
    X, y, _, _ = iris
    unclipped = _trainer(_model(0), learning_rate=0.5, optimizer="sgd").fit(X, y)
    assert max(row["grad_norm"] for row in unclipped.epochs) > 0.2
    clipped = _trainer(
        _model(0), learning_rate=0.5, optimizer="sgd", grad_clip=0.2
    ).fit(X, y)
    assert max(row["grad_norm"] for row in clipped.epochs) <= 0.2 + 1e-5


def test_trainer_l1_penalty_shrinks_the_weights(iris: tuple) -> None:
    X, y, _, _ = iris
    plain, sparse = _model(0), _model(0)
    _trainer(plain, learning_rate=0.01).fit(X, y)
    _trainer(sparse, learning_rate=0.01, l1=0.05).fit(X, y)

    def total(model: nn.Module) -> float:
        return sum(
            float(p.detach().abs().sum()) for p in model.parameters() if p.ndim >= 2
        )

    assert total(sparse) < 0.8 * total(plain)


def _lrs(iris: tuple, **config: object) -> list[float]:
    X, y, X_val, y_val = iris
    history = _trainer(_model(0), learning_rate=0.1, **config).fit(X, y, X_val, y_val)
    return [row["lr"] for row in history.epochs]


def test_trainer_step_schedule_multiplies_lr_every_step_size_epochs(
    iris: tuple,
) -> None:
    lrs = _lrs(iris, epochs=7, lr_schedule="step", step_size=3, gamma=0.5)
    assert lrs == pytest.approx([0.1] * 3 + [0.05] * 3 + [0.025])


def test_trainer_cosine_schedule_follows_the_half_cosine(iris: tuple) -> None:
    lrs = _lrs(iris, epochs=6, lr_schedule="cosine")
    expected = [0.05 * (1 + math.cos(math.pi * e / 6)) for e in range(6)]
    assert lrs == pytest.approx(expected)


def test_trainer_reduce_on_plateau_cuts_lr_after_patience(iris: tuple) -> None:
    X, y, X_val, y_val = iris
    trainer = Trainer(
        _model(0),
        make_loss("cross_entropy"),
        TrainerConfig(
            epochs=7,
            learning_rate=0.1,
            lr_schedule="reduce_on_plateau",
            plateau_patience=1,
            gamma=0.5,
        ),
        metric=lambda output, target: 0.5,  # never improves after the first epoch
        metric_name="flat",
    )
    lrs = [row["lr"] for row in trainer.fit(X, y, X_val, y_val).epochs]
    assert lrs == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
