"""A Keras-style model summary: each layer's output shape and parameter count."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from loom.algorithms.neural.activations import Maxout

# Reported as one row, inner layers hidden: maxout's linear is part of the
# activation; attention's output projection is not called as a module.
WHOLE_LAYERS: tuple[type[nn.Module], ...] = (Maxout, nn.MultiheadAttention)


def model_summary(model: nn.Module, n_inputs: int) -> dict[str, Any]:
    """``layer_summary`` for a network whose first layer takes ``n_inputs`` columns.

    The probe is one zero row.
    """
    return layer_summary(model, torch.zeros(1, n_inputs))


def layer_summary(model: nn.Module, probe: torch.Tensor) -> dict[str, Any]:
    """Run ``probe`` (one row) through ``model``; record every leaf layer it passes.

    Args:
        model: the network.
        probe: a batch of one input row (floats for tables and images, token
            ids for text: ``<unk>``, not ``<pad>``, so no layer sees padding).

    Returns:
        ``{"layers": [{layer, type, output_shape, parameters}], "total_parameters",
        "trainable_parameters"}``; shapes omit the batch dimension.
    """
    rows: list[dict[str, Any]] = []
    hooks = []
    whole: list[str] = []
    for name, module in model.named_modules():
        if not name or any(name.startswith(prefix + ".") for prefix in whole):
            continue
        if isinstance(module, WHOLE_LAYERS):
            whole.append(name)
        if isinstance(module, WHOLE_LAYERS) or not any(True for _ in module.children()):
            hooks.append(module.register_forward_hook(_recorder(name, module, rows)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(probe.to(next(model.parameters()).device))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return {
        "layers": rows,
        "total_parameters": sum(p.numel() for p in model.parameters()),
        "trainable_parameters": sum(
            p.numel() for p in model.parameters() if p.requires_grad
        ),
    }


def _recorder(name: str, module: nn.Module, rows: list[dict[str, Any]]) -> Any:
    def hook(_module: nn.Module, _inputs: Any, output: Any) -> None:
        if isinstance(output, tuple) and output:  # (outputs, state) of an RNN
            output = output[0]
        shape = list(output.shape[1:]) if isinstance(output, torch.Tensor) else []
        rows.append(
            {
                "layer": name,
                "type": type(module).__name__,
                "output_shape": shape,
                "parameters": sum(p.numel() for p in module.parameters()),
            }
        )

    return hook
