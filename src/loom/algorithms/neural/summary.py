"""A Keras-style model summary: each layer's output shape and parameter count."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from loom.algorithms.neural.activations import Maxout


def model_summary(model: nn.Module, n_inputs: int) -> dict[str, Any]:
    """Run one zero row through ``model`` and record every leaf layer it passes.

    Args:
        model: the network, whose first layer takes ``n_inputs`` columns.
        n_inputs: columns per row.

    Returns:
        ``{"layers": [{layer, type, output_shape, parameters}], "total_parameters",
        "trainable_parameters"}``; shapes omit the batch dimension.
    """
    rows: list[dict[str, Any]] = []
    hooks = []
    whole: list[str] = []  # layers reported as one row (maxout's inner linear)
    for name, module in model.named_modules():
        if not name or any(name.startswith(prefix + ".") for prefix in whole):
            continue
        if isinstance(module, Maxout):
            whole.append(name)
        if isinstance(module, Maxout) or not any(True for _ in module.children()):
            hooks.append(module.register_forward_hook(_recorder(name, module, rows)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            device = next(model.parameters()).device
            model(torch.zeros(1, n_inputs, device=device))
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
