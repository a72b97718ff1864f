"""``leakage_suspect``: one feature that alone nearly gives the target away."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from loom.advice._columns import (
    categorical_features,
    numeric_features,
    sample_index,
)
from loom.advice.findings import CRITICAL, AdviceInput, Finding

# Real predictors almost never separate the classes (or track a numeric target)
# this cleanly on their own; a column that does is usually derived from the
# target or recorded after the outcome was known.
LEAK_AUC = 0.99
LEAK_CORRELATION = 0.99
# Pairwise AUCs grow as classes squared; past this many classes skip the check.
MAX_CLASSES = 50
# A category must hold this many rows before "all one class" means anything.
MIN_ROWS_PER_CATEGORY = 2

_REMEDY = (
    "Check how '{column}' is produced: if it is computed from the target, or only "
    "known after the outcome, the scores are too good to be true; leave it out "
    "of the features list and retrain."
)


def leakage_suspect(data: AdviceInput) -> list[Finding]:
    """Flag features that alone (almost) determine the target.

    Classification: a numeric column whose one-feature ROC-AUC is at least 0.99
    for EVERY pair of classes (one pair when binary), or a categorical column
    whose every category (with 2+ rows) holds a single class. Pairs rather than
    one-vs-rest, because one-vs-rest flags honest features that isolate a single
    easy class (petal length isolates setosa in iris) and misses a numeric copy
    of a 3-class target (the middle class is not separable from "the rest").
    Regression: |Pearson r| of at least 0.99 with the target.
    """
    if data.y is None or len(data.y) != len(data.frame) or len(data.frame) < 4:
        return []
    if data.task == "classification":
        return _numeric_class_leaks(data) + _categorical_class_leaks(data)
    if data.task == "regression":
        return _numeric_regression_leaks(data)
    return []


def _finding(column: str, evidence: str) -> Finding:
    return Finding(
        code="leakage_suspect",
        severity=CRITICAL,
        title=f"'{column}' alone nearly predicts the target",
        evidence=evidence,
        remedy=_REMEDY.format(column=column),
        columns=[column],
    )


def _pair_auc(values: np.ndarray, is_first: np.ndarray) -> float:
    """max(AUC, 1 - AUC) of ``values`` ranking the first class above the second."""
    from scipy.stats import rankdata

    ranks = rankdata(values)
    n_first = int(is_first.sum())
    n_second = len(values) - n_first
    auc = (ranks[is_first].sum() - n_first * (n_first + 1) / 2) / (n_first * n_second)
    return float(max(auc, 1.0 - auc))


def _min_pairwise_auc(values: np.ndarray, codes: np.ndarray) -> float:
    """Lowest pairwise AUC; stops as soon as one pair is below the cut."""
    lowest = 1.0
    for first, second in combinations(np.unique(codes), 2):
        pair = (codes == first) | (codes == second)
        lowest = min(lowest, _pair_auc(values[pair], codes[pair] == first))
        if lowest < LEAK_AUC:
            break
    return lowest


def _numeric_class_leaks(data: AdviceInput) -> list[Finding]:
    assert data.y is not None
    rows = sample_index(len(data.frame))
    codes_all = np.asarray(data.y)[rows]
    findings = []
    for column in numeric_features(data):
        values = data.frame[column].to_numpy(dtype=np.float64)[rows]
        known = np.isfinite(values)
        values, codes = values[known], codes_all[known]
        n_classes = len(np.unique(codes))
        if not 2 <= n_classes <= MAX_CLASSES or np.ptp(values) == 0:
            continue
        auc = _min_pairwise_auc(values, codes)
        if auc < LEAK_AUC:
            continue
        scope = (
            "one-feature ROC-AUC"
            if n_classes == 2
            else f"lowest one-feature ROC-AUC over the {n_classes} classes' pairs"
        )
        findings.append(
            _finding(
                column,
                f"Sorting rows by '{column}' alone separates the classes almost "
                f"perfectly: {scope} {auc:.3f} (on {len(values)} rows).",
            )
        )
    return findings


def _categorical_class_leaks(data: AdviceInput) -> list[Finding]:
    assert data.y is not None
    findings = []
    for column in categorical_features(data):
        table = pd.DataFrame({"value": data.frame[column].to_numpy(), "y": data.y})
        table = table.dropna(subset=["value"])
        if table.empty or table["y"].nunique() < 2:
            continue
        groups = table.groupby("value", observed=True, sort=False)["y"].agg(
            ["nunique", "size"]
        )
        if len(groups) < 2 or groups["size"].min() < MIN_ROWS_PER_CATEGORY:
            continue
        if (groups["nunique"] != 1).any():
            continue
        findings.append(
            _finding(
                column,
                f"Each of the {len(groups)} values of '{column}' occurs with one "
                f"class only (every value has at least {int(groups['size'].min())} "
                f"rows, {len(table)} rows in all), so the column alone reproduces "
                "the target.",
            )
        )
    return findings


def _numeric_regression_leaks(data: AdviceInput) -> list[Finding]:
    assert data.y is not None
    rows = sample_index(len(data.frame))
    target = np.asarray(data.y, dtype=np.float64)[rows]
    findings = []
    for column in numeric_features(data):
        values = data.frame[column].to_numpy(dtype=np.float64)[rows]
        known = np.isfinite(values) & np.isfinite(target)
        x, y = values[known], target[known]
        if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
            continue
        r = float(np.corrcoef(x, y)[0, 1])
        if not abs(r) >= LEAK_CORRELATION:
            continue
        findings.append(
            _finding(
                column,
                f"'{column}' moves in lockstep with the target: Pearson r = "
                f"{r:.4f} on {len(x)} rows, so a straight line through it alone "
                f"explains {100 * r * r:.1f}% of the target's variance.",
            )
        )
    return findings
