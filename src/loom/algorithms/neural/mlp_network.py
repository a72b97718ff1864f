"""The MLP network and its estimator (imported only when a model is built)."""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import nn

from loom.algorithms.neural.activations import make_activation
from loom.algorithms.neural.estimator import NeuralEstimator


def build_mlp(n_in: int, n_out: int, params: dict[str, Any]) -> nn.Sequential:
    """Hidden blocks Linear → norm → activation → dropout, then a linear head."""
    layers: list[nn.Module] = []
    width, name = params["width"], params["activation"]
    for _ in range(params["n_layers"]):
        if name == "maxout":
            layers.append(
                make_activation(
                    "maxout",
                    in_features=n_in,
                    out_features=width,
                    k=params["maxout_pieces"],
                )
            )
        else:
            layers.append(nn.Linear(n_in, width))
        if params["normalization"] == "batch":
            layers.append(nn.BatchNorm1d(width))
        elif params["normalization"] == "layer":
            layers.append(nn.LayerNorm(width))
        if name != "maxout":
            layers.append(
                make_activation(
                    name,
                    negative_slope=params["negative_slope"],
                    alpha=params["elu_alpha"],
                )
            )
        if params["dropout"] > 0:
            layers.append(nn.Dropout(params["dropout"]))
        n_in = width
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


class MLPEstimator(NeuralEstimator):
    """An MLP over columns standardised one by one."""

    def build_network(self, n_features: int, n_outputs: int) -> nn.Module:
        return build_mlp(n_features, n_outputs, self.params)

    def input_scale(self, X: np.ndarray) -> tuple[list[float], list[float]]:
        std = X.std(axis=0)
        std[std == 0] = 1.0  # a constant column stays at zero
        return X.mean(axis=0).tolist(), std.tolist()
