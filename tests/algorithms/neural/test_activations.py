"""Every activation: value and gradient against a NumPy reference formula."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from loom.algorithms.neural.activations import ACTIVATIONS, Maxout, make_activation
from loom.core.errors import InvalidInputError

# Edge cases: zero, small and large magnitudes of both signs.
POINTS = np.array([-60.0, -5.0, -1.0, -1e-3, 0.0, 1e-3, 0.5, 2.0, 60.0])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


# name -> (kwargs, value(x), derivative(x)); subgradient at 0 follows torch (x > 0).
POINTWISE: dict[str, tuple[dict, Callable, Callable]] = {
    "sigmoid": ({}, _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "tanh": ({}, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "relu": ({}, lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    "leaky_relu": (
        {"negative_slope": 0.1},
        lambda x: np.where(x > 0, x, 0.1 * x),
        lambda x: np.where(x > 0, 1.0, 0.1),
    ),
    "elu": (
        {"alpha": 1.5},
        lambda x: np.where(x > 0, x, 1.5 * np.expm1(np.minimum(x, 0))),
        lambda x: np.where(x > 0, 1.0, 1.5 * np.exp(np.minimum(x, 0))),
    ),
    "prelu": (
        {},
        lambda x: np.where(x > 0, x, 0.25 * x),
        lambda x: np.where(x > 0, 1.0, 0.25),
    ),
    "swish": (
        {},
        lambda x: x * _sigmoid(x),
        lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
    ),
    "silu": (
        {},
        lambda x: x * _sigmoid(x),
        lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
    ),
    "softplus": ({}, lambda x: np.logaddexp(0.0, x), _sigmoid),
}


def _value_and_grad(
    module: torch.nn.Module, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    module = module.double()
    inputs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    output = module(inputs)
    output.sum().backward()
    assert inputs.grad is not None
    return output.detach().numpy(), inputs.grad.numpy()


@pytest.mark.parametrize("name", sorted(POINTWISE))
def test_pointwise_activation_matches_reference_value_and_gradient(name: str) -> None:
    kwargs, value, derivative = POINTWISE[name]
    out, grad = _value_and_grad(make_activation(name, **kwargs), POINTS)
    np.testing.assert_allclose(out, value(POINTS), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, derivative(POINTS), rtol=1e-10, atol=1e-12)


def test_prelu_slope_gradient_is_the_sum_of_negative_inputs() -> None:
    module = make_activation("prelu").double()
    inputs = torch.tensor(POINTS, dtype=torch.float64)
    module(inputs).sum().backward()
    slope_grad = module.weight.grad
    assert slope_grad is not None
    np.testing.assert_allclose(slope_grad.numpy(), [POINTS[POINTS < 0].sum()])


@pytest.mark.parametrize(
    "row", [[0.0, 0.0, 0.0], [1.0, -2.0, 3.0], [1000.0, 0.0, -1000.0]]
)
def test_softmax_matches_reference_value_and_jacobian(row: list[float]) -> None:
    x = np.asarray(row)
    shifted = np.exp(x - x.max())
    p = shifted / shifted.sum()
    weights = np.array([0.3, -1.0, 2.0])
    inputs = torch.tensor(x, requires_grad=True, dtype=torch.float64)
    output = make_activation("softmax")(inputs)
    (output * torch.tensor(weights)).sum().backward()
    assert inputs.grad is not None
    jacobian = np.diag(p) - np.outer(p, p)
    np.testing.assert_allclose(output.detach().numpy(), p, atol=1e-15)
    np.testing.assert_allclose(inputs.grad.numpy(), jacobian.T @ weights, atol=1e-12)


def test_maxout_takes_the_largest_of_k_linear_pieces_and_routes_its_gradient() -> None:
    torch.manual_seed(0)
    module = make_activation("maxout", in_features=3, out_features=2, k=4).double()
    assert isinstance(module, Maxout)
    x = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5], [-50.0, 20.0, 3.0]])
    W = module.linear.weight.detach().numpy().reshape(2, 4, 3)
    b = module.linear.bias.detach().numpy().reshape(2, 4)
    pieces = np.einsum("ukf,nf->nuk", W, x) + b  # (rows, units, pieces)
    winner = pieces.argmax(axis=2)
    inputs = torch.tensor(x, requires_grad=True)
    output = module(inputs)
    output.sum().backward()
    assert inputs.grad is not None
    expected_grad = np.stack(
        [sum(W[u, winner[n, u]] for u in range(2)) for n in range(len(x))]
    )
    np.testing.assert_allclose(output.detach().numpy(), pieces.max(axis=2), atol=1e-12)
    np.testing.assert_allclose(inputs.grad.numpy(), expected_grad, atol=1e-12)


def test_every_listed_activation_is_buildable() -> None:
    for name in ACTIVATIONS:
        module = make_activation(name, in_features=2, out_features=2)
        assert module(torch.zeros(1, 2)).shape == (1, 2)


def test_unknown_activation_lists_the_choices() -> None:
    with pytest.raises(InvalidInputError, match="choose one of: sigmoid, tanh, relu"):
        make_activation("gelu_fancy")


def test_maxout_without_sizes_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="in_features and out_features"):
        make_activation("maxout")
