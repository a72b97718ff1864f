"""Forward and backward stepwise selection of OLS terms, by p-value or AIC.

A string column's dummies enter and leave together: its p-value is the partial
F-test of the whole group (for a one-column term that equals the t-test).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from loom.algorithms.statistical.ols_estimator import OLSRegressor, _Term

_MAX_STEPS = 200


def select_terms(
    model: OLSRegressor, X: np.ndarray, y: np.ndarray, terms: list[_Term]
) -> tuple[list[_Term], list[dict[str, Any]]]:
    """The terms stepwise selection keeps, and one record per step taken."""
    forward = model.settings.selection == "forward"
    chosen: list[_Term] = [] if forward else list(terms)
    steps: list[dict[str, Any]] = []
    for _ in range(_MAX_STEPS):
        current = _score(model, X, y, chosen)
        if forward:
            options = [t for t in terms if t not in chosen]
            trials = [(t, _compare(model, X, y, chosen, [*chosen, t])) for t in options]
        else:
            trials = [
                (t, _compare(model, X, y, [c for c in chosen if c is not t], chosen))
                for t in chosen
            ]
        step = _best(model, trials, current, forward)
        if step is None:
            break
        term, record = step
        chosen = [*chosen, term] if forward else [c for c in chosen if c is not term]
        steps.append(record)
    kept = [t for t in terms if t in chosen]  # keep the table in column order
    return kept, steps


def _columns(terms: list[_Term]) -> list[int]:
    return [c for term in terms for c in term.columns]


def _score(
    model: OLSRegressor, X: np.ndarray, y: np.ndarray, terms: list[_Term]
) -> tuple[float, int]:
    """(RSS, number of parameters) of the model on ``terms``."""
    columns = _columns(terms)
    k = len(columns) + int(model.settings.fit_intercept)
    if k == 0:
        return float(y @ y), 0
    return model.solve(X, y, columns).rss, k


def _compare(
    model: OLSRegressor,
    X: np.ndarray,
    y: np.ndarray,
    small: list[_Term],
    large: list[_Term],
) -> dict[str, float]:
    """Partial F-test p-value and both AICs for nested models ``small ⊂ large``."""
    from scipy import stats

    rss_small, k_small = _score(model, X, y, small)
    rss_large, k_large = _score(model, X, y, large)
    n = len(y)
    df_resid = n - k_large
    extra = k_large - k_small
    if df_resid <= 0 or rss_large <= 0:
        p_value = 0.0
    else:
        f_value = max((rss_small - rss_large) / extra, 0.0) / (rss_large / df_resid)
        p_value = float(stats.f.sf(f_value, extra, df_resid))
    return {
        "p": p_value,
        "aic_small": _aic(rss_small, n, k_small),
        "aic_large": _aic(rss_large, n, k_large),
    }


def _aic(rss: float, n: int, k: int) -> float:
    """Gaussian AIC as statsmodels computes it (-2 log-likelihood + 2k)."""
    if rss <= 0:
        return -math.inf
    return n * (math.log(2 * math.pi * rss / n) + 1) + 2 * k


def _best(
    model: OLSRegressor,
    trials: list[tuple[_Term, dict[str, float]]],
    current: tuple[float, int],
    forward: bool,
) -> tuple[_Term, dict[str, Any]] | None:
    if not trials:
        return None
    settings = model.settings
    if settings.selection_criterion == "aic":
        key = "aic_large" if forward else "aic_small"
        term, result = min(trials, key=lambda item: item[1][key])
        before = result["aic_small"] if forward else result["aic_large"]
        if result[key] >= before:
            return None
    elif forward:
        term, result = min(trials, key=lambda item: item[1]["p"])
        if result["p"] >= settings.p_enter:
            return None
    else:
        term, result = max(trials, key=lambda item: item[1]["p"])
        if result["p"] <= settings.p_remove:
            return None
    record = {
        "action": "add" if forward else "remove",
        "term": term.name,
        "p_value": result["p"],
        "aic_before": result["aic_small"] if forward else result["aic_large"],
        "aic_after": result["aic_large"] if forward else result["aic_small"],
    }
    return term, record
