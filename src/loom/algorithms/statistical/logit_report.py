"""Odds ratios and p-values for an unpenalised logistic regression (statsmodels).

scikit-learn fits the served model; statsmodels refits the same encoded columns
(plus an intercept) by maximum likelihood, because only it gives standard
errors. With a penalty the two no longer estimate the same thing, so the report
explains why inference is missing instead of showing misleading numbers.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from loom.algorithms.statistical.ols_checks import num

_ERRORS = (np.linalg.LinAlgError, ValueError, OverflowError)


def logistic_report(
    X: Any, y: Any, feature_names: list[str], penalised: bool, confidence: float
) -> dict[str, Any]:
    """The Logit / MNLogit coefficient table, or why it is not available."""
    if penalised:
        return {
            "available": False,
            "reason": "odds ratios and p-values need penalty='none'; a penalty "
            "biases the coefficients and has no standard errors",
        }
    X = np.asarray(X, dtype=np.float64)
    codes = np.asarray(y, dtype=np.int64)
    columns, dropped, references = _columns(X, feature_names)
    exog = np.column_stack([np.ones(len(X)), X[:, columns]])
    names = ["const", *(feature_names[c] for c in columns)]
    try:
        result, caught = _fit(exog, codes)
    except _ERRORS as exc:
        return {"available": False, "reason": f"statsmodels could not fit: {exc}"}
    if not result.mle_retvals.get("converged", False):
        return {
            "available": False,
            "reason": "maximum likelihood did not converge, which usually means "
            "some predictors separate the classes (almost) perfectly: the "
            "coefficients run off to infinity and their p-values mean nothing",
            "warnings": caught,
        }
    return {
        "available": True,
        "model": "logit" if codes.max() <= 1 else "multinomial logit",
        "reference_class": 0,
        "class_note": "classes are the target's codes in sorted label order; "
        "each table compares one class with class 0",
        "dropped_columns": dropped,
        "references": references,
        "n": len(codes),
        "pseudo_r2": num(result.prsquared),
        "log_likelihood": num(result.llf),
        "llr_p_value": num(result.llr_pvalue),
        "aic": num(result.aic),
        "bic": num(result.bic),
        "warnings": caught,
        "tables": _tables(result, names, confidence),
    }


def _columns(
    X: np.ndarray, names: list[str]
) -> tuple[list[int], dict[str, str], dict[str, str]]:
    """Drop constant columns and one reference dummy per string column.

    Otherwise the dummies of a column without nulls add up to the intercept and
    the information matrix is singular.
    """
    dropped: dict[str, str] = {}
    references: dict[str, str] = {}
    seen: set[str] = set()
    keep: list[int] = []
    for index, name in enumerate(names):
        base, equals, level = name.partition("=")
        if equals and base not in seen and np.isin(X[:, index], (0.0, 1.0)).all():
            seen.add(base)
            references[base] = level
            dropped[name] = "reference level"
        elif np.ptp(X[:, index]) == 0:
            dropped[name] = "constant"
        else:
            keep.append(index)
    return keep, dropped, references


def _fit(exog: np.ndarray, codes: np.ndarray) -> tuple[Any, list[str]]:
    import statsmodels.api as sm

    model = sm.Logit(codes, exog) if codes.max() <= 1 else sm.MNLogit(codes, exog)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        result = model.fit(method="newton", maxiter=100, disp=0)
    messages = list(
        dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)
    )
    return result, messages


def _tables(result: Any, names: list[str], confidence: float) -> list[dict[str, Any]]:
    from scipy import stats

    params = np.asarray(result.params).reshape(len(names), -1)
    errors = np.asarray(result.bse).reshape(len(names), -1)
    z_crit = float(stats.norm.ppf(0.5 + confidence / 2))
    tables = []
    for k in range(params.shape[1]):
        rows = []
        for i, name in enumerate(names):
            coef, se = float(params[i, k]), float(errors[i, k])
            z = coef / se if se > 0 else math.nan
            with np.errstate(over="ignore"):
                rows.append(
                    {
                        "term": name,
                        "coef": num(coef),
                        "std_error": num(se),
                        "z": num(z),
                        "p_value": num(2 * stats.norm.sf(abs(z))),
                        "odds_ratio": num(np.exp(coef)),
                        "or_ci_low": num(np.exp(coef - z_crit * se)),
                        "or_ci_high": num(np.exp(coef + z_crit * se)),
                    }
                )
        tables.append({"class": k + 1, "vs_class": 0, "rows": rows})
    return tables
