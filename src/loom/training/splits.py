"""Row splits for evaluation: holdout and k-fold, stratified and/or grouped.

With a ``group_column`` every row of a group lands on the same side of each
split (a patient's visits, a user's sessions), so the score measures how the
model does on groups it has never seen; classification then uses
``StratifiedGroupKFold`` to keep class shares similar across folds too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loom.algorithms.base import Task
from loom.core.errors import InvalidInputError
from loom.training.pipeline import Context

Split = tuple[np.ndarray, np.ndarray]


def groups_of(ctx: Context, frame: pd.DataFrame) -> np.ndarray | None:
    """Group codes per row, or None without a ``group_column``."""
    column = ctx.spec.options.group_column
    if column is None:
        return None
    series = frame[column]
    missing = int(series.isna().sum())
    if missing:
        raise InvalidInputError(
            f"group_column '{column}' has {missing} null values; every row needs "
            "a group"
        )
    codes: np.ndarray = pd.factorize(series.astype(object))[0]
    return codes


def holdout(ctx: Context, frame: pd.DataFrame, y: np.ndarray) -> Split:
    """Train and test row indexes for a holdout of ``spec.test_size``."""
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    rows = np.arange(len(y))
    groups = groups_of(ctx, frame)
    size, seed = ctx.spec.test_size, ctx.spec.seed
    try:
        if groups is not None:
            _need_groups(groups, 2)
            splitter = GroupShuffleSplit(n_splits=1, test_size=size, random_state=seed)
            train_idx, test_idx = next(splitter.split(rows, y, groups))
        else:
            stratify = y if ctx.task == Task.CLASSIFICATION else None
            train_idx, test_idx = train_test_split(
                rows, test_size=size, random_state=seed, stratify=stratify
            )
    except ValueError as exc:
        raise InvalidInputError(
            f"cannot split {len(y)} rows with test_size={size}: {exc}"
        ) from None
    how = "grouped" if groups is not None else "stratified"
    ctx.log(
        f"holdout split: {len(train_idx)} train / {len(test_idx)} test rows"
        + (f" ({how})" if groups is not None or ctx.task == Task.CLASSIFICATION else "")
    )
    return np.sort(train_idx), np.sort(test_idx)


def kfold(
    ctx: Context,
    frame: pd.DataFrame,
    y: np.ndarray,
    k: int,
    *,
    seed_offset: int = 0,
) -> list[Split]:
    """``k`` (train, test) index pairs: stratified for classes, grouped if asked."""
    from sklearn.model_selection import (
        GroupKFold,
        KFold,
        StratifiedGroupKFold,
        StratifiedKFold,
    )

    if len(y) < k:
        raise InvalidInputError(f"cv_folds={k} needs at least {k} rows; got {len(y)}")
    seed = ctx.spec.seed + seed_offset
    groups = groups_of(ctx, frame)
    classification = ctx.task == Task.CLASSIFICATION
    if groups is not None:
        _need_groups(groups, k)
        splitter = (
            StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
            if classification
            else GroupKFold(n_splits=k, shuffle=True, random_state=seed)
        )
        return list(splitter.split(frame, y, groups))
    plain = (
        StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        if classification
        else KFold(n_splits=k, shuffle=True, random_state=seed)
    )
    return list(plain.split(frame, y))


def _need_groups(groups: np.ndarray, k: int) -> None:
    found = len(np.unique(groups))
    if found < k:
        raise InvalidInputError(
            f"grouped splitting into {k} parts needs at least {k} groups; "
            f"the group column has {found}"
        )
