"""Reject training options that cannot apply, before any job or fit starts.

The REST API calls ``check_options`` when a run is created and ``train()`` calls
it again, so a request that would fail minutes into a job fails at once, with
one line naming the option, what it needs and what it got.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from loom.algorithms.base import Algorithm, Task
from loom.core.errors import InvalidInputError
from loom.training.options import TrainingOptions

_CLASSIFICATION_ONLY = ("class_weight", "resampling", "threshold")
_SUPERVISED_ONLY = ("group_column", "learning_curve", "validation_curve")


def check_options(
    algorithm: Algorithm,
    params: BaseModel,
    options: TrainingOptions,
    *,
    columns: Sequence[str],
    target: str | None,
) -> None:
    """Raise ``InvalidInputError`` for an option that does not fit this run.

    Args:
        algorithm: the catalog entry being trained.
        params: its validated parameters.
        options: the run's options.
        columns: the dataset's column names.
        target: the target column, if any.
    """
    task = algorithm.task
    chosen = options.non_defaults()
    if task not in (Task.CLASSIFICATION, Task.REGRESSION, Task.CLUSTERING):
        if chosen:
            raise InvalidInputError(
                f"training options are not supported for {task} algorithms; "
                f"got {', '.join(sorted(chosen))}"
            )
        return
    if task != Task.CLASSIFICATION:
        _refuse(chosen, _CLASSIFICATION_ONLY, f"{task} algorithm '{algorithm.name}'")
    if task == Task.CLUSTERING:
        _refuse(chosen, _SUPERVISED_ONLY, f"clustering algorithm '{algorithm.name}'")
    _check_selection(options, task)
    _check_groups(options, columns, target)
    if options.class_weight is not None:
        _check_sample_weight(algorithm, params)
    if options.validation_curve is not None:
        _check_validation_curve(algorithm, params, options)


def _refuse(chosen: dict[str, Any], names: Sequence[str], what: str) -> None:
    for name in names:
        if name in chosen:
            raise InvalidInputError(
                f"option '{name}' does not apply to {what}; got {chosen[name]!r}"
            )


def _check_selection(options: TrainingOptions, task: Task) -> None:
    selection = options.feature_selection
    if selection is None:
        return
    if task == Task.CLUSTERING and selection.method != "variance":
        raise InvalidInputError(
            f"feature_selection method '{selection.method}' needs a target; "
            "clustering can only use 'variance'"
        )
    if task == Task.REGRESSION and selection.method == "chi2":
        raise InvalidInputError(
            "feature_selection method 'chi2' needs class labels; for regression "
            "use 'mutual_info', 'rfecv', 'l1', 'tree_importance' or 'variance'"
        )


def _check_groups(
    options: TrainingOptions, columns: Sequence[str], target: str | None
) -> None:
    group = options.group_column
    if group is None:
        return
    if group not in columns:
        raise InvalidInputError(
            f"group_column '{group}' not found; columns are: {', '.join(columns)}"
        )
    if group == target:
        raise InvalidInputError(f"group_column '{group}' cannot be the target")


def _check_sample_weight(algorithm: Algorithm, params: BaseModel) -> None:
    import numpy as np

    from loom.training.imbalance import sample_weight_fit_params

    if sample_weight_fit_params(algorithm.build(params, 0), np.ones(1)):
        return
    own = "class_weight" in type(params).model_fields
    raise InvalidInputError(
        f"class_weight='balanced' needs an algorithm that accepts sample "
        f"weights; '{algorithm.name}' does not: use "
        + ("its own class_weight parameter or " if own else "")
        + "resampling ('random_over' or 'smote') instead"
    )


def _check_validation_curve(
    algorithm: Algorithm, params: BaseModel, options: TrainingOptions
) -> None:
    from loom.algorithms.registry import validate_params

    curve = options.validation_curve
    assert curve is not None
    valid = list(type(params).model_fields)
    if curve.param not in valid:
        raise InvalidInputError(
            f"validation_curve param '{curve.param}' is not a parameter of "
            f"{algorithm.name}; valid parameters: {', '.join(valid)}"
        )
    base = params.model_dump()
    for value in curve.values:
        try:
            validate_params(algorithm.name, {**base, curve.param: value})
        except InvalidInputError as exc:
            raise InvalidInputError(
                f"validation_curve value {value!r}: {exc}"
            ) from None
