"""Rules about the table itself: scales, identifiers, categories, constants, size."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from loom.advice._columns import (
    effective_params,
    fmt,
    is_integral,
    numeric_features,
    option,
    pct,
    present_features,
    sample_index,
    string_features,
)
from loom.advice.findings import INFO, WARNING, AdviceInput, Finding

# Distance- and margin-based models compare raw magnitudes, so a column whose
# spread is ten times another's outweighs it (the notes: k-means, KNN, SVM and
# LR need normalised inputs when the features have different units).
SCALE_RATIO = 10.0
# A whole-number column with (almost) one value per row is a row key, not a
# measurement. Below 20 rows every column looks unique.
ID_DISTINCT_RATIO = 0.95
ID_MIN_ROWS = 20
# A column named like a key only needs to be mostly distinct to be one.
ID_NAME_DISTINCT_RATIO = 0.5
ID_NAME = re.compile(r"^(id|.*[_ -]id|uuid|guid|index|idx|row|row_?(id|num|number))$")
# One-hot past ~50 levels spreads rows thinly over many sparse columns (and the
# encoder keeps only its 100 most frequent levels).
MAX_CATEGORIES = 50
CATEGORY_DISTINCT_RATIO = 0.5
CATEGORY_MIN_ROWS = 20
# One value in 99% of rows leaves almost nothing to learn from.
NEAR_CONSTANT_SHARE = 0.99
# Sampled share below which a column cannot reach 99% overall (the sampling
# error of a share near 0.99 on 10,000 rows is about 0.001).
PREFILTER_SHARE = 0.95
# Fewer than 10 rows per fitted column is the usual floor (events per variable);
# the notes ask for 20 rows per predictor in a linear regression.
MIN_ROWS_PER_FEATURE = 10
LINEAR_ROWS_PER_FEATURE = 20


def unscaled_features(data: AdviceInput) -> list[Finding]:
    """A distance/margin model fed columns whose spreads differ by 10x or more."""
    if not data.scale_sensitive or option(data, "standardize"):
        return []
    if effective_params(data).get("scale") is True:
        return []  # the algorithm standardises inside its own pipeline
    frame = data.frame
    spreads = {
        c: float(np.nanstd(frame[c].to_numpy(dtype=np.float64)))
        for c in numeric_features(data)
    }
    spreads = {c: s for c, s in spreads.items() if np.isfinite(s) and s > 0}
    if len(spreads) < 2:
        return []
    widest = max(spreads, key=lambda c: spreads[c])
    narrowest = min(spreads, key=lambda c: spreads[c])
    ratio = spreads[widest] / spreads[narrowest]
    if ratio < SCALE_RATIO:
        return []
    return [
        Finding(
            code="unscaled_features",
            severity=WARNING,
            title="Features are on very different scales",
            evidence=(
                f"{data.algorithm} compares raw magnitudes across features, and "
                f"'{widest}' (standard deviation {fmt(spreads[widest])}) spreads "
                f"{fmt(ratio)} times wider than '{narrowest}' (standard deviation "
                f"{fmt(spreads[narrowest])}), so the widest columns dominate the "
                "distances or margins."
            ),
            remedy=(
                "Retrain with the standardize option (CLI --standardize, "
                '"standardize": true in the run options) so every numeric '
                "feature counts on a common scale."
            ),
            columns=[widest, narrowest],
        )
    ]


def identifier_as_number(data: AdviceInput) -> list[Finding]:
    """Whole-number row keys (ids, indexes) used as numeric features."""
    n = len(data.frame)
    if n < ID_MIN_ROWS:
        return []
    findings = []
    for column in numeric_features(data):
        series = data.frame[column]
        if not is_integral(series):
            continue
        share = series.nunique(dropna=True) / n
        named = bool(ID_NAME.match(column.strip().lower()))
        if share < ID_DISTINCT_RATIO and not (
            named and share >= ID_NAME_DISTINCT_RATIO
        ):
            continue
        why = "its name reads like a key and " if named else ""
        findings.append(
            Finding(
                code="identifier_as_number",
                severity=WARNING,
                title=f"'{column}' looks like a row identifier",
                evidence=(
                    f"'{column}' is a whole-number column used as a numeric "
                    f"feature; {why}{pct(share)} of its {n} values are distinct. "
                    "A model can memorise keys, and new rows bring keys it has "
                    "never seen."
                ),
                remedy=(
                    f"Leave '{column}' out of the features list, unless its order "
                    "really carries meaning (then a date or sequence column "
                    "says so more clearly)."
                ),
                columns=[column],
            )
        )
    return findings


def high_cardinality_category(data: AdviceInput) -> list[Finding]:
    """String columns with so many levels that one-hot encoding thins them out."""
    n = len(data.frame)
    findings = []
    for column in string_features(data):
        levels = int(data.frame[column].nunique(dropna=True))
        ratio = levels / n if n else 0.0
        if levels <= MAX_CATEGORIES and not (
            n >= CATEGORY_MIN_ROWS and ratio > CATEGORY_DISTINCT_RATIO
        ):
            continue
        findings.append(
            Finding(
                code="high_cardinality_category",
                severity=INFO,
                title=f"'{column}' has many categories",
                evidence=(
                    f"'{column}' has {levels} distinct values over {n} rows "
                    f"({pct(ratio)}); one-hot encoding keeps only the most "
                    "frequent levels, and rare ones get too few rows to learn from."
                ),
                remedy=(
                    "Group rare levels into broader ones, or replace the column "
                    "with a target or frequency encoding built in a feature "
                    "pipeline; if it is free text or a key, leave it out of the "
                    "features list."
                ),
                columns=[column],
            )
        )
    return findings


def _reads_images(data: AdviceInput) -> bool:
    """Whether the columns are one image's pixels (``keeps_constant_features``).

    Blank border pixels are part of the image grid, and a convolution shares
    its weights over all pixels, so per-column advice does not apply.
    """
    from loom.algorithms.registry import get_algorithm
    from loom.core.errors import InvalidInputError

    try:
        return get_algorithm(data.algorithm).keeps_constant_features
    except InvalidInputError:
        return False


def constant_or_near_constant(data: AdviceInput) -> list[Finding]:
    """Columns with one value (nulls count as a value) in 99% of rows or more."""
    n = len(data.frame)
    if n == 0 or _reads_images(data):
        return []
    sample = data.frame.iloc[sample_index(n)]
    findings = []
    for column in present_features(data):
        # Counting every distinct value of a 100k-row float column is slow; a
        # column that is not near-constant in the fixed sample is not overall.
        top = sample[column].value_counts(dropna=False, sort=True)
        if top.empty or top.iloc[0] < PREFILTER_SHARE * len(sample):
            continue
        counts = data.frame[column].value_counts(dropna=False, sort=True)
        share = float(counts.iloc[0]) / n
        if share < NEAR_CONSTANT_SHARE:
            continue
        value = counts.index[0]
        if isinstance(value, np.generic):
            value = value.item()
        shown = "null" if pd.isna(value) else repr(value)
        kind = "constant" if len(counts) == 1 else "almost constant"
        findings.append(
            Finding(
                code="constant_or_near_constant",
                severity=INFO,
                title=f"'{column}' is {kind}",
                evidence=(
                    f"'{column}' holds {shown} in {pct(share)} of rows "
                    f"({int(counts.iloc[0])} of {n}), so it can explain very little."
                ),
                remedy=(
                    f"Leave '{column}' out of the features list, or let the "
                    "'variance' feature selection drop such columns; keep it only "
                    "if the rare values are known to matter."
                ),
                columns=[column],
            )
        )
    return findings


def small_sample(data: AdviceInput) -> list[Finding]:
    """Too few rows for the number of encoded columns the model fits."""
    if data.task not in ("classification", "regression") or _reads_images(data):
        return []
    n_rows, n_columns = data.X.shape[0], data.X.shape[1]
    if n_columns == 0 or n_rows >= MIN_ROWS_PER_FEATURE * n_columns:
        return []
    return [
        Finding(
            code="small_sample",
            severity=WARNING,
            title="Few rows for the number of features",
            evidence=(
                f"{n_rows} rows for {n_columns} encoded feature columns "
                f"({fmt(n_rows / n_columns)} rows per column; at least "
                f"{MIN_ROWS_PER_FEATURE} are needed, {LINEAR_ROWS_PER_FEATURE} for "
                "a linear regression); estimates and scores will be unstable."
            ),
            remedy=(
                "Collect more rows, or fit fewer columns: shorten the features "
                "list, use feature_selection (CLI --select), or group the levels "
                "of wide string columns; prefer a simpler or more regularised "
                "model."
            ),
            columns=_widest_string_columns(data),
        )
    ]


def _widest_string_columns(data: AdviceInput) -> list[str]:
    """String columns that add 10+ one-hot columns: the usual cause of width."""
    wide = [
        c
        for c in string_features(data)
        if sum(name.startswith(f"{c}=") for name in data.feature_names) >= 10
    ]
    return sorted(wide)
