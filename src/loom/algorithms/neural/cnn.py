"""``cnn_classifier``: a convolutional network over images stored as pixel columns.

A Loom dataset holds an image as one row of pixel columns (scikit-learn's
digits: 64 columns of an 8x8 image; Fashion-MNIST: 784 of 28x28), channel by
channel, each channel row-major. The network unflattens them into
``(channels, height, width)``, runs conv blocks (convolution → optional batch
norm → activation → pooling while the map is at least the window, doubling the
filters every block) and a dense head.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from loom.algorithms.base import Task
from loom.algorithms.neural.common import (
    Activation,
    NeuralAlgorithm,
    NeuralTrainingParams,
)
from loom.algorithms.registry import register

# The columns ``loom.data.images`` writes: one per pixel, channel by channel.
PIXEL_COLUMN = re.compile(r"pixel_\d+")


class CNNParams(NeuralTrainingParams):
    """Image shape, conv blocks and dense head of ``cnn_classifier``."""

    image_height: int = Field(
        0, ge=0, le=4096, description="Image height in pixels; 0 = infer a square."
    )
    image_width: int = Field(
        0, ge=0, le=4096, description="Image width in pixels; 0 = infer a square."
    )
    channels: int = Field(
        0, ge=0, le=16, description="Colour channels; 0 = 1 unless height/width say."
    )
    n_blocks: int = Field(2, ge=1, le=6, description="Convolution blocks.")
    filters: int = Field(
        16, ge=1, le=512, description="Filters in the first block; doubled per block."
    )
    kernel_size: int = Field(3, ge=1, le=11, description="Convolution kernel size.")
    stride: int = Field(1, ge=1, le=4, description="Convolution stride.")
    padding: int = Field(1, ge=0, le=10, description="Zero padding on each side.")
    dilation: int = Field(1, ge=1, le=4, description="Spacing between kernel taps.")
    groups: int = Field(
        1,
        ge=1,
        le=64,
        description="Grouped convolution after the first block; must divide filters.",
    )
    pooling: Literal["max", "avg", "none"] = Field(
        "max", description="Pooling after each block."
    )
    pool_size: int = Field(2, ge=1, le=4, description="Pooling window and stride.")
    activation: Activation = Field(
        "relu", description="Activation after convolutions and the dense layer."
    )
    batch_norm: bool = Field(True, description="Batch normalisation in each block.")
    dense_units: int = Field(
        64, ge=1, le=4096, description="Units of the dense layer before the output."
    )
    loss: Literal["cross_entropy", "hinge"] = Field(
        "cross_entropy",
        description="cross_entropy, or multiclass (Crammer-Singer) hinge.",
    )


@register
class CNNClassifierAlgorithm(NeuralAlgorithm):
    """Convolutional image classifier trained with PyTorch."""

    name: ClassVar[str] = "cnn_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "Convolutional neural network for images stored as pixel columns (PyTorch)."
    )
    Params: ClassVar[type[BaseModel]] = CNNParams
    # Border pixels that are blank in every image (3 of digits' 64) are part of
    # the image grid, not useless features; training must keep them.
    keeps_constant_features: ClassVar[bool] = True

    def default_features(self, columns: list[str]) -> list[str]:
        """The ``pixel_<n>`` columns an image-folder import writes, when present."""
        pixels = [c for c in columns if PIXEL_COLUMN.fullmatch(c)]
        return pixels or columns

    def estimator_class(self) -> type[Any]:
        from loom.algorithms.neural.cnn_network import CNNEstimator

        return CNNEstimator
