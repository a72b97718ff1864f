"""Small helpers the rules share: column kinds, row samples, parameters, wording."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loom.advice.findings import AdviceInput

# Rules that scan every row (ranks, correlations, VIF) read at most this many,
# drawn with a fixed seed, so advice stays well under a second on 100k x 50 and
# the same run always gets the same advice.
SAMPLE_ROWS = 10_000
SAMPLE_SEED = 0


def sample_index(n_rows: int, limit: int = SAMPLE_ROWS) -> np.ndarray:
    """Sorted row positions: all rows, or ``limit`` of them chosen with a fixed seed."""
    if n_rows <= limit:
        return np.arange(n_rows)
    rng = np.random.default_rng(SAMPLE_SEED)
    return np.sort(rng.choice(n_rows, size=limit, replace=False))


def present_features(data: AdviceInput) -> list[str]:
    """Feature names that are columns of ``frame``, in the run's order."""
    return [c for c in data.features if c in data.frame.columns]


def numeric_features(data: AdviceInput) -> list[str]:
    """Integer and float feature columns (booleans are categories here)."""
    return [
        c
        for c in present_features(data)
        if pd.api.types.is_numeric_dtype(data.frame[c].dtype)
        and not pd.api.types.is_bool_dtype(data.frame[c].dtype)
    ]


def categorical_features(data: AdviceInput) -> list[str]:
    """String, categorical and boolean feature columns."""
    numeric = set(numeric_features(data))
    return [c for c in present_features(data) if c not in numeric]


def string_features(data: AdviceInput) -> list[str]:
    """Feature columns the encoder one-hot encodes (not booleans)."""
    return [
        c
        for c in categorical_features(data)
        if not pd.api.types.is_bool_dtype(data.frame[c].dtype)
    ]


def is_integral(series: pd.Series) -> bool:
    """Integer dtype, or floats that are all whole numbers (ints read with nulls)."""
    if pd.api.types.is_integer_dtype(series.dtype):
        return True
    if not pd.api.types.is_float_dtype(series.dtype):
        return False
    values = series.dropna().to_numpy(dtype=np.float64)
    return bool(values.size) and bool(np.all(values == np.round(values)))


def effective_params(data: AdviceInput) -> dict[str, Any]:
    """The run's parameters over the catalog defaults (an unknown name: as given)."""
    from loom.algorithms.registry import get_algorithm
    from loom.core.errors import LoomError

    try:
        algorithm = get_algorithm(data.algorithm)
    except LoomError:
        return dict(data.params)
    defaults: dict[str, Any] = algorithm.Params().model_dump()
    return defaults | dict(data.params)


def option(data: AdviceInput, name: str) -> Any:
    """One training option, ``None`` when the caller left it out."""
    return data.options.get(name)


def fmt(value: float) -> str:
    """A number for a sentence: three significant digits, no exponent below 1e6."""
    if not np.isfinite(value):
        return "infinite" if value > 0 else str(value)
    if abs(value) >= 1e6 or (value != 0 and abs(value) < 1e-3):
        return f"{value:.3g}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def pct(share: float) -> str:
    """A share in [0, 1] as a percentage with one decimal."""
    return f"{100 * share:.1f}%"


def quoted(columns: list[str]) -> str:
    """``'a', 'b' and 'c'``: column names for a sentence."""
    names = [f"'{c}'" for c in columns]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
