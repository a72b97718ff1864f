"""Every loss: value and gradient (w.r.t. the output) against NumPy formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from loom.algorithms.neural.losses import make_loss
from loom.core.errors import InvalidInputError

# Residual edge cases: zero excluded where the loss has a kink there.
OUTPUT = np.array([-40.0, -2.0, -0.3, 0.0, 0.2, 1.0, 3.5, 40.0])
TARGET = np.array([0.0, -1.0, 0.4, 1e-3, 0.0, 3.0, -1.0, 39.0])


def _loss_and_grad(
    loss: torch.nn.Module, output: np.ndarray, target: np.ndarray, long: bool = False
) -> tuple[float, np.ndarray]:
    out = torch.tensor(output, dtype=torch.float64, requires_grad=True)
    tgt = torch.tensor(target, dtype=torch.long if long else torch.float64)
    value = loss(out, tgt)
    value.backward()
    assert out.grad is not None
    return float(value.detach()), out.grad.numpy()


def _check(
    name: str, value: float, grad: np.ndarray, ref: float, ref_grad: np.ndarray
) -> None:
    np.testing.assert_allclose(value, ref, rtol=1e-12, err_msg=name)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-14, err_msg=name)


def test_mse_matches_reference() -> None:
    r = OUTPUT - TARGET
    value, grad = _loss_and_grad(make_loss("mse"), OUTPUT, TARGET)
    _check("mse", value, grad, np.mean(r**2), 2 * r / len(r))


@pytest.mark.parametrize("name", ["mae", "l1"])
def test_mae_matches_reference(name: str) -> None:
    r = OUTPUT - TARGET
    value, grad = _loss_and_grad(make_loss(name), OUTPUT, TARGET)
    _check(name, value, grad, np.mean(np.abs(r)), np.sign(r) / len(r))


@pytest.mark.parametrize("delta", [0.5, 1.0, 5.0])
def test_huber_matches_reference(delta: float) -> None:
    r = OUTPUT - TARGET
    small = np.abs(r) <= delta
    ref = np.where(small, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta)).mean()
    ref_grad = np.where(small, r, delta * np.sign(r)) / len(r)
    value, grad = _loss_and_grad(make_loss("huber", delta=delta), OUTPUT, TARGET)
    _check("huber", value, grad, ref, ref_grad)


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_quantile_matches_reference(tau: float) -> None:
    r = TARGET - OUTPUT
    ref = np.maximum(tau * r, (tau - 1) * r).mean()
    ref_grad = np.where(r > 0, -tau, 1 - tau) / len(r)
    value, grad = _loss_and_grad(make_loss("quantile", tau=tau), OUTPUT, TARGET)
    _check("quantile", value, grad, ref, ref_grad)


def test_quantile_with_several_taus_scores_one_column_per_quantile() -> None:
    taus = np.array([0.05, 0.5, 0.95])
    output = np.stack([OUTPUT - 0.75, OUTPUT, OUTPUT + 0.75], axis=1)
    r = TARGET[:, None] - output
    ref = np.maximum(taus * r, (taus - 1) * r).mean()
    ref_grad = np.where(r > 0, -taus, 1 - taus) / r.size
    value, grad = _loss_and_grad(
        make_loss("quantile", taus=taus.tolist()), output, TARGET
    )
    _check("quantiles", value, grad, ref, ref_grad)


def test_quantile_tau_outside_the_unit_interval_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="tau must be in"):
        make_loss("quantile", tau=1.0)


LOGITS = np.array(
    [[0.0, 0.0, 0.0], [2.0, -1.0, 0.5], [1000.0, 0.0, -1000.0], [-3.0, 4.0, 4.0]]
)
CLASSES = np.array([0, 2, 1, 1])


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_cross_entropy_matches_reference_even_for_huge_logits() -> None:
    log_sum = np.log(np.exp(LOGITS - LOGITS.max(1, keepdims=True)).sum(1)) + LOGITS.max(
        1
    )
    ref = np.mean(log_sum - LOGITS[np.arange(4), CLASSES])
    ref_grad = (_softmax(LOGITS) - np.eye(3)[CLASSES]) / 4
    value, grad = _loss_and_grad(make_loss("cross_entropy"), LOGITS, CLASSES, long=True)
    _check("cross_entropy", value, grad, ref, ref_grad)


def test_binary_cross_entropy_on_logits_matches_reference() -> None:
    z = np.array([-100.0, -2.0, 0.0, 0.5, 3.0, 100.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    ref = np.mean(np.logaddexp(0.0, z) - y * z)
    ref_grad = (np.exp(-np.logaddexp(0.0, -z)) - y) / len(z)
    value, grad = _loss_and_grad(make_loss("binary_cross_entropy"), z, y)
    _check("binary_cross_entropy", value, grad, ref, ref_grad)


def test_binary_hinge_matches_reference() -> None:
    s = np.array([-3.0, -0.5, 0.2, 0.7, 2.0, 50.0])
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    margin = 1 - y * s
    ref_grad = np.where(margin > 0, -y, 0.0) / len(s)
    value, grad = _loss_and_grad(make_loss("hinge", binary=True), s, y)
    _check("hinge", value, grad, np.maximum(margin, 0).mean(), ref_grad)


def test_multiclass_hinge_is_crammer_singer() -> None:
    scores = np.array(
        [[0.0, 0.0, 0.0], [2.0, -1.0, 0.5], [3.0, 0.1, -2.0], [-3.0, 4.0, 3.5]]
    )
    n = len(scores)
    ref, ref_grad = 0.0, np.zeros_like(scores)
    for i, (row, label) in enumerate(zip(scores, CLASSES, strict=True)):
        others = [j for j in range(3) if j != label]
        rival = others[int(np.argmax(row[others]))]
        margin = 1 + row[rival] - row[label]
        if margin > 0:
            ref += margin / n
            ref_grad[i, rival] += 1 / n
            ref_grad[i, label] -= 1 / n
    value, grad = _loss_and_grad(make_loss("hinge"), scores, CLASSES, long=True)
    _check("crammer_singer", value, grad, ref, ref_grad)


def test_two_class_crammer_singer_equals_binary_hinge_on_the_score_gap() -> None:
    scores = np.array([[0.3, -0.2], [1.0, 2.5], [-1.0, -0.4]])
    labels = np.array([0, 1, 0])
    multi, _ = _loss_and_grad(make_loss("hinge"), scores, labels, long=True)
    gap = scores[:, 1] - scores[:, 0]
    binary, _ = _loss_and_grad(make_loss("hinge", binary=True), gap, 2.0 * labels - 1)
    assert multi == pytest.approx(binary)


def test_unknown_loss_lists_the_choices() -> None:
    with pytest.raises(InvalidInputError, match="choose one of: mse, mae, l1, huber"):
        make_loss("focal")
