"""cnn_classifier on scikit-learn's 8x8 digits, through train()."""

from __future__ import annotations

import json

import pytest
from sklearn.datasets import load_digits

from loom.algorithms.neural.cnn_network import build_cnn, image_shape
from loom.algorithms.registry import validate_params
from loom.core.errors import InvalidInputError
from loom.training.fitting import TrainingSpec, train


def test_cnn_classifier_digits_accuracy_through_train(seed: int) -> None:
    # Digits has three always-blank border pixels; a CNN keeps them (it reads
    # the image as a grid), where tabular algorithms would be told to drop them.
    frame = load_digits(as_frame=True).frame
    spec = TrainingSpec(
        algorithm="cnn_classifier", params={"epochs": 20}, target="target", seed=seed
    )
    outcome = train(frame, spec)
    assert outcome.metrics["accuracy"] >= 0.97
    report = outcome.details["report"]
    json.dumps(report)
    layers = report["summary"]["layers"]
    assert layers[0]["output_shape"] == [1, 8, 8]
    conv = next(layer for layer in layers if layer["type"] == "Conv2d")
    assert conv == {
        "layer": "1",
        "type": "Conv2d",
        "output_shape": [16, 8, 8],
        "parameters": 16 * 9 + 16,
    }
    assert report["summary"]["total_parameters"] == sum(
        layer["parameters"] for layer in layers
    )


def _params(**overrides: object) -> dict:
    return validate_params("cnn_classifier", overrides).model_dump()


def test_cnn_image_shape_is_inferred_or_declared() -> None:
    assert image_shape(64, _params()) == (1, 8, 8)
    assert image_shape(784, _params()) == (1, 28, 28)
    assert image_shape(3 * 4 * 6, _params(channels=3, image_height=4)) == (3, 4, 6)
    with pytest.raises(InvalidInputError, match="10 feature columns do not form"):
        image_shape(10, _params())


def test_cnn_conv_options_shape_the_feature_maps() -> None:
    import torch

    network = build_cnn(
        784,
        10,
        _params(
            n_blocks=2,
            filters=8,
            kernel_size=5,
            stride=1,
            padding=4,
            dilation=2,
            groups=2,
            pooling="avg",
        ),
    )
    assert network(torch.zeros(2, 784)).shape == (2, 10)
    convs = [m for m in network if isinstance(m, torch.nn.Conv2d)]
    assert [c.groups for c in convs] == [1, 2]
    assert convs[1].dilation == (2, 2)


def test_cnn_refuses_groups_that_do_not_divide_the_filters() -> None:
    with pytest.raises(InvalidInputError, match="groups=3 must divide"):
        build_cnn(64, 10, _params(filters=8, groups=3))
