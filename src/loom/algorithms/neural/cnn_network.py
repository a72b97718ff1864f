"""The CNN network and its estimator (imported only when a model is built).

Pixel columns come channel by channel, each channel row-major; the network
unflattens them into ``(channels, height, width)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from torch import nn

from loom.algorithms.neural.activations import make_activation
from loom.algorithms.neural.estimator import NeuralEstimator
from loom.core.errors import InvalidInputError


def image_shape(n_features: int, params: dict[str, Any]) -> tuple[int, int, int]:
    """``(channels, height, width)`` from the parameters and the column count.

    Raises:
        InvalidInputError: the column count does not match the declared shape or
            is not a square (times the channels) when the shape is inferred.
    """
    channels = params["channels"] or 1
    height, width = params["image_height"], params["image_width"]
    if not height and not width:
        side = math.isqrt(n_features // channels)
        height = width = side
    elif not height:
        height = n_features // (channels * width)
    elif not width:
        width = n_features // (channels * height)
    if channels * height * width != n_features:
        raise InvalidInputError(
            f"cnn_classifier: {n_features} feature columns do not form "
            f"{channels}x{height}x{width} images; set image_height, image_width "
            "and channels"
        )
    return channels, height, width


def build_cnn(n_features: int, n_out: int, params: dict[str, Any]) -> nn.Sequential:
    """Unflatten → conv blocks → flatten → dense → output scores."""
    channels, height, width = image_shape(n_features, params)
    layers: list[nn.Module] = [nn.Unflatten(1, (channels, height, width))]
    size: tuple[int, ...] = (height, width)
    in_channels = channels
    for block in range(params["n_blocks"]):
        out_channels = params["filters"] * 2**block
        groups = params["groups"] if block > 0 else 1
        if in_channels % groups or out_channels % groups:
            raise InvalidInputError(
                f"cnn_classifier: groups={groups} must divide the filters "
                f"({in_channels} in, {out_channels} out)"
            )
        layers.append(
            nn.Conv2d(
                in_channels,
                out_channels,
                kernel_size=params["kernel_size"],
                stride=params["stride"],
                padding=params["padding"],
                dilation=params["dilation"],
                groups=groups,
            )
        )
        size = tuple(_conv_size(s, params) for s in size)
        if params["batch_norm"]:
            layers.append(nn.BatchNorm2d(out_channels))
        layers.append(make_activation(params["activation"]))
        window = params["pool_size"]
        if min(size) < 1:
            raise InvalidInputError(
                f"cnn_classifier: the feature map shrinks to nothing in block "
                f"{block + 1} of {height}x{width} images; use fewer blocks, "
                "more padding or a smaller stride"
            )
        # Pooling is skipped once the map is smaller than the window (tiny images).
        if params["pooling"] != "none" and 1 < window <= min(size):
            pool = nn.MaxPool2d if params["pooling"] == "max" else nn.AvgPool2d
            layers.append(pool(window))
            size = tuple(s // window for s in size)
        in_channels = out_channels
    layers += [
        nn.Flatten(),
        nn.Linear(in_channels * size[0] * size[1], params["dense_units"]),
    ]
    layers.append(make_activation(params["activation"]))
    if params["dropout"] > 0:
        layers.append(nn.Dropout(params["dropout"]))
    layers.append(nn.Linear(params["dense_units"], n_out))
    return nn.Sequential(*layers)


def _conv_size(size: int, params: dict[str, Any]) -> int:
    reach = params["dilation"] * (params["kernel_size"] - 1)
    return (size + 2 * params["padding"] - reach - 1) // params["stride"] + 1


class CNNEstimator(NeuralEstimator):
    """A CNN over pixels scaled by one mean and deviation (keeps the image intact)."""

    def build_network(self, n_features: int, n_outputs: int) -> nn.Module:
        return build_cnn(n_features, n_outputs, self.params)

    def input_scale(self, X: np.ndarray) -> tuple[list[float], list[float]]:
        return [float(X.mean())], [float(X.std()) or 1.0]
