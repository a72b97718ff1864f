"""Activation functions selectable by name, including our maxout module."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from loom.core.errors import InvalidInputError

ACTIVATIONS: tuple[str, ...] = (
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "prelu",
    "softmax",
    "swish",
    "silu",
    "maxout",
    "softplus",
)


class Maxout(nn.Module):
    """``k`` affine pieces per output unit; the unit outputs their maximum.

    Maxout is a layer rather than a pointwise function: it learns a convex,
    piecewise-linear activation (ReLU and |x| are special cases), so it takes
    the place of ``Linear`` + activation in a network.

    Args:
        in_features: inputs per row.
        out_features: output units.
        k: linear pieces per unit (at least 2).
    """

    def __init__(self, in_features: int, out_features: int, k: int = 2) -> None:
        super().__init__()
        if k < 2:
            raise InvalidInputError(f"maxout needs k >= 2 linear pieces; got {k}")
        self.out_features = out_features
        self.k = k
        self.linear = nn.Linear(in_features, out_features * k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pieces = self.linear(x).view(*x.shape[:-1], self.out_features, self.k)
        return pieces.max(dim=-1).values


def make_activation(name: str, **kwargs: Any) -> nn.Module:
    """The activation module called ``name``.

    Args:
        name: one of ``ACTIVATIONS``.
        kwargs: ``negative_slope`` (leaky_relu), ``alpha`` (elu),
            ``num_parameters`` (prelu), ``dim`` (softmax), ``beta`` (softplus),
            ``in_features``/``out_features``/``k`` (maxout).

    Raises:
        InvalidInputError: an unknown name, listing the choices.
    """
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "tanh":
        return nn.Tanh()
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope=kwargs.get("negative_slope", 0.01))
    if name == "elu":
        return nn.ELU(alpha=kwargs.get("alpha", 1.0))
    if name == "prelu":
        # Learned slope for negatives, initialised at 0.25 as in He et al.
        return nn.PReLU(num_parameters=kwargs.get("num_parameters", 1), init=0.25)
    if name == "softmax":
        return nn.Softmax(dim=kwargs.get("dim", -1))
    if name in ("swish", "silu"):
        return nn.SiLU()
    if name == "softplus":
        return nn.Softplus(beta=kwargs.get("beta", 1.0))
    if name == "maxout":
        try:
            return Maxout(
                kwargs["in_features"], kwargs["out_features"], kwargs.get("k", 2)
            )
        except KeyError:
            raise InvalidInputError(
                "activation 'maxout' is a layer: pass in_features and out_features"
            ) from None
    raise InvalidInputError(
        f"unknown activation '{name}'; choose one of: {', '.join(ACTIVATIONS)}",
        details={"choices": list(ACTIVATIONS), "got": name},
    )
