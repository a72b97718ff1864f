"""Loss functions selectable by name: regression, quantile and classification.

Every loss maps ``(output, target)`` to a scalar mean over the rows. Classifier
losses take raw scores (logits), never probabilities: the log-softmax inside
cross-entropy is then computed stably.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from loom.core.errors import InvalidInputError

LOSSES: tuple[str, ...] = (
    "mse",
    "mae",
    "l1",
    "huber",
    "quantile",
    "cross_entropy",
    "binary_cross_entropy",
    "hinge",
)


class QuantileLoss(nn.Module):
    """Pinball loss for one or several quantiles at once.

    For a residual ``r = y - q`` the loss is ``tau * r`` when the prediction is
    too low and ``(tau - 1) * r`` when too high, so its minimiser is the
    ``tau``-quantile of ``y``. With several ``taus`` the output has one column
    per quantile (e.g. 0.05 and 0.95 give a 90 % prediction interval) and the
    losses are averaged over the columns.
    """

    taus: torch.Tensor

    def __init__(self, taus: Sequence[float]) -> None:
        super().__init__()
        for tau in taus:
            if not 0.0 < tau < 1.0:
                raise InvalidInputError(f"quantile tau must be in (0, 1); got {tau}")
        self.register_buffer("taus", torch.tensor(list(taus), dtype=torch.float64))

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        taus = self.taus.to(output.dtype)
        if output.ndim == 1:
            output = output.unsqueeze(1)
        residual = target.reshape(-1, 1) - output
        return torch.maximum(taus * residual, (taus - 1.0) * residual).mean()


class BinaryHingeLoss(nn.Module):
    """``max(0, 1 - y * s)`` for labels ``y`` in {-1, +1} and one score ``s``."""

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.relu(1.0 - target.to(output.dtype) * output.reshape(-1)).mean()


class MulticlassHingeLoss(nn.Module):
    """Crammer-Singer hinge: ``max(0, 1 + max_{j != y} s_j - s_y)``.

    Only the most-violating wrong class is penalised (Weston-Watkins would sum
    the margins over every wrong class). With two classes it equals the binary
    hinge on the score difference ``s_1 - s_0`` with labels ±1.
    """

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = target.long()
        true_score = output.gather(1, target.unsqueeze(1)).squeeze(1)
        others = output.scatter(1, target.unsqueeze(1), float("-inf"))
        return F.relu(1.0 + others.max(dim=1).values - true_score).mean()


class _Reshaped(nn.Module):
    """Wrap a torch loss so a ``(n, 1)`` output meets an ``(n,)`` target."""

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.loss(output.reshape(-1), target.to(output.dtype).reshape(-1))


class _CrossEntropy(nn.Module):
    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(output, target.long())


def make_loss(name: str, **kwargs: Any) -> nn.Module:
    """The loss module called ``name``.

    Args:
        name: one of ``LOSSES``.
        kwargs: ``delta`` (huber), ``tau`` or ``taus`` (quantile), ``binary``
            (hinge: True for one score and ±1 labels, else Crammer-Singer).

    Raises:
        InvalidInputError: an unknown name, listing the choices.
    """
    if name == "mse":
        return _Reshaped(nn.MSELoss())
    if name in ("mae", "l1"):
        return _Reshaped(nn.L1Loss())
    if name == "huber":
        return _Reshaped(nn.HuberLoss(delta=kwargs.get("delta", 1.0)))
    if name == "quantile":
        taus = kwargs.get("taus", [kwargs.get("tau", 0.5)])
        return QuantileLoss(taus)
    if name == "cross_entropy":
        return _CrossEntropy()
    if name == "binary_cross_entropy":
        # Sigmoid folded into the loss (log-sum-exp form): stable for large scores.
        return _Reshaped(nn.BCEWithLogitsLoss())
    if name == "hinge":
        return (
            BinaryHingeLoss() if kwargs.get("binary", False) else MulticlassHingeLoss()
        )
    raise InvalidInputError(
        f"unknown loss '{name}'; choose one of: {', '.join(LOSSES)}",
        details={"choices": list(LOSSES), "got": name},
    )
