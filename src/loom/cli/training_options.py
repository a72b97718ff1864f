"""Turn ``loom train`` flags into the ``options`` object of a run request."""

from __future__ import annotations

from typing import Any

import typer


def _curve_values(text: str) -> tuple[str, list[Any]]:
    """``"max_depth=2,4,8"`` → ``("max_depth", [2, 4, 8])``, numbers parsed."""
    param, sep, raw = text.partition("=")
    if not sep or not param.strip() or not raw.strip():
        raise typer.BadParameter(
            f"--validation-curve must look like param=v1,v2,...; got {text!r}"
        )
    values: list[Any] = []
    for item in raw.split(","):
        item = item.strip()
        try:
            values.append(int(item))
        except ValueError:
            try:
                values.append(float(item))
            except ValueError:
                values.append(item)
    return param.strip(), values


def training_options(
    *,
    group: str | None,
    standardize: bool,
    class_weight: str | None,
    resample: str | None,
    threshold: str | None,
    cost_ratio: float,
    select: str | None,
    select_k: int | None,
    select_threshold: float | None,
    learning_curve: bool,
    validation_curve: str | None,
) -> dict[str, Any]:
    """Only the options a user set; the server validates them (one message each)."""
    options: dict[str, Any] = {}
    if group:
        options["group_column"] = group
    if standardize:
        options["standardize"] = True
    if class_weight:
        options["class_weight"] = class_weight
    if resample:
        options["resampling"] = resample
    if threshold:
        options["threshold"] = threshold
    if cost_ratio != 1.0:
        options["cost_ratio"] = cost_ratio
    if select:
        selection: dict[str, Any] = {"method": select}
        if select_k is not None:
            selection["k"] = select_k
        if select_threshold is not None:
            selection["threshold"] = select_threshold
        options["feature_selection"] = selection
    elif select_k is not None or select_threshold is not None:
        raise typer.BadParameter("--select-k and --select-threshold need --select")
    if learning_curve:
        options["learning_curve"] = True
    if validation_curve:
        param, values = _curve_values(validation_curve)
        options["validation_curve"] = {"param": param, "values": values}
    return options
