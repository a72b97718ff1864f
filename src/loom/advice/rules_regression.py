"""Rules from the regression workflow: collinearity and the residual assumptions.

The residual rules read the OLS report (``details["report"]["diagnostics"]``,
see ``algorithms/statistical/ols_report.py``); collinearity reads its VIF column,
or computes VIF on the numeric features for any other supervised run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from loom.advice._columns import fmt, sample_index
from loom.advice.findings import CRITICAL, INFO, WARNING, AdviceInput, Finding

# Notes (regression workflow): VIF > 5 signals collinearity, VIF > 10 is serious.
VIF_WARNING = 5.0
VIF_CRITICAL = 10.0
# Own VIF: one auxiliary regression per column, so cap columns and rows.
MAX_VIF_COLUMNS = 50
VIF_SAMPLE_ROWS = 2_000
MAX_LISTED = 6
_MAX_CONDITION = 1e10
# 1 - R² below this (the columns have unit norm) counts as exact collinearity.
_EXACT = 1e-10
# Models whose coefficients are read; for others collinearity only splits
# importances between the correlated columns, so it is reported as info.
COEFFICIENT_MODELS = frozenset({"linear_regression", "logistic_regression"})
# Durbin-Watson near 2 means independent residuals (the notes accept 1.7-2.3);
# only a clear departure is worth a warning.
DW_LOW = 1.5
DW_HIGH = 2.5
ALPHA = 0.05
# With many rows normality tests reject for departures too small to matter.
NORMALITY_INFO_ROWS = 500


def multicollinearity(data: AdviceInput) -> list[Finding]:
    """Predictors that are (nearly) linear combinations of each other."""
    if data.task not in ("classification", "regression"):
        return []
    vifs = _report_vifs(data.report)
    source = "from the regression report"
    if vifs is None:
        vifs = _computed_vifs(data)
        source = "computed on the numeric features"
    high = sorted(
        ((c, v) for c, v in vifs.items() if v > VIF_WARNING), key=lambda cv: -cv[1]
    )
    if not high:
        return []
    reads_coefficients = data.algorithm in COEFFICIENT_MODELS
    severity = CRITICAL if high[0][1] > VIF_CRITICAL else WARNING
    listed = ", ".join(f"{c} {fmt(v)}" for c, v in high[:MAX_LISTED])
    more = f" and {len(high) - MAX_LISTED} more" if len(high) > MAX_LISTED else ""
    return [
        Finding(
            code="multicollinearity",
            severity=severity if reads_coefficients else INFO,
            title="Features are strongly correlated with each other",
            evidence=(
                f"Variance inflation factors {source}: {listed}{more} (above "
                f"{fmt(VIF_WARNING)} signals collinearity, above {fmt(VIF_CRITICAL)} "
                "it is serious). "
                + (
                    "Coefficients become unstable and can even take the wrong sign."
                    if reads_coefficients
                    else f"{data.algorithm} does not read coefficients, so this "
                    "matters mainly when explaining the model: importance is shared "
                    "out between correlated columns."
                )
            ),
            remedy=_collinearity_remedy(data.algorithm),
            columns=[c for c, _ in high],
        )
    ]


def _report_vifs(report: dict[str, Any] | None) -> dict[str, float] | None:
    """Largest VIF per predictor from a report's coefficient table, if it has one."""
    rows = (report or {}).get("coefficients")
    if not isinstance(rows, list) or not any("vif" in row for row in rows):
        return None
    out: dict[str, float] = {}
    for row in rows:
        vif = row.get("vif")
        if vif is None:
            continue
        name = str(row.get("predictor") or row.get("term"))
        out[name] = max(float(vif), out.get(name, 0.0))
    return out


def _computed_vifs(data: AdviceInput) -> dict[str, float]:
    """VIF of each numeric feature (centred, as with an intercept), on sampled rows."""
    from loom.advice._columns import numeric_features

    position = {name: i for i, name in enumerate(data.feature_names)}
    columns = [c for c in numeric_features(data) if c in position]
    if not 2 <= len(columns) <= MAX_VIF_COLUMNS:
        return {}
    rows = sample_index(data.X.shape[0], VIF_SAMPLE_ROWS)
    picked = np.array([position[c] for c in columns], dtype=np.intp)
    matrix = np.asarray(data.X, dtype=np.float64)[np.ix_(rows, picked)]
    matrix = matrix[np.isfinite(matrix).all(axis=1)]
    varying = [i for i in range(len(columns)) if np.ptp(matrix[:, i]) > 0]
    if len(varying) < 2 or len(matrix) <= len(varying) + 1:
        return {}
    values = vif(matrix[:, varying])
    return {columns[j]: float(v) for j, v in zip(varying, values, strict=True)}


def vif(matrix: np.ndarray) -> np.ndarray:
    """Variance inflation factors of the columns of ``matrix`` (no constant column).

    Equal to statsmodels' ``variance_inflation_factor`` on the matrix with a
    constant column added, computed here from the inverse correlation matrix
    (VIF_j is its j-th diagonal entry): one small inversion instead of one
    regression per column, which in statsmodels took seconds on 2,000 x 50.
    Exactly collinear columns get an infinite VIF.
    """
    centred = matrix - matrix.mean(axis=0)
    scaled = centred / np.linalg.norm(centred, axis=0)
    correlation = scaled.T @ scaled
    if np.linalg.cond(correlation) < _MAX_CONDITION:
        return np.diag(np.linalg.inv(correlation)).copy()
    # Singular or nearly so: regress each column on the others instead. With
    # unit-norm columns the regression needs only the correlation matrix
    # (residual = 1 - r_j' coef), a p x p problem rather than n x p: identical
    # VIFs, and no multi-threaded BLAS call that stalls on a busy machine.
    out = np.empty(matrix.shape[1])
    every = np.arange(matrix.shape[1])
    for j in every:
        others = every[every != j]
        coef, *_ = np.linalg.lstsq(
            correlation[np.ix_(others, others)], correlation[others, j], rcond=None
        )
        residual = float(1.0 - correlation[j, others] @ coef)
        out[j] = np.inf if residual < _EXACT else 1.0 / residual
    return out


def _collinearity_remedy(algorithm: str) -> str:
    if algorithm == "linear_regression":
        return (
            "Drop one column of each correlated group from the features list, let "
            "selection='backward' choose the predictors, or keep them all with "
            "penalty='ridge' (no p-values then)."
        )
    if algorithm == "logistic_regression":
        return (
            "Drop one column of each correlated group from the features list, or "
            "strengthen the penalty (smaller C, or penalty='l1' to keep one of a "
            "group)."
        )
    return (
        "If you read feature importances, drop one column of each correlated "
        "group from the features list or use feature_selection (CLI --select); "
        "otherwise this needs no action."
    )


def _diagnostics(data: AdviceInput) -> dict[str, Any] | None:
    diagnostics = (data.report or {}).get("diagnostics")
    return diagnostics if isinstance(diagnostics, dict) else None


def _log_target(data: AdviceInput) -> bool:
    return (data.report or {}).get("target_transform") == "log"


def autocorrelated_residuals(data: AdviceInput) -> list[Finding]:
    """Durbin-Watson far from 2: each residual predicts the next one."""
    diagnostics = _diagnostics(data)
    dw = diagnostics.get("durbin_watson") if diagnostics else None
    if dw is None or DW_LOW <= dw <= DW_HIGH:
        return []
    kind = "positively" if dw < DW_LOW else "negatively"
    return [
        Finding(
            code="autocorrelated_residuals",
            severity=WARNING,
            title="Residuals are autocorrelated",
            evidence=(
                f"Durbin-Watson is {dw:.2f} (independent residuals give about 2; "
                f"below {DW_LOW} or above {DW_HIGH} is a clear departure): "
                f"neighbouring rows' errors are {kind} related, so p-values and "
                "intervals are too optimistic."
            ),
            remedy=(
                "If the rows are in time or sequence order, something that carries "
                "over from row to row is missing: add lagged values of the target "
                "or of key predictors, or a trend, as new columns in the dataset "
                "(a modelling step you take before training). If the order is "
                "arbitrary, check that the rows are not sorted by the target."
            ),
            columns=[],
        )
    ]


def non_normal_residuals(data: AdviceInput) -> list[Finding]:
    """Jarque-Bera or Shapiro-Wilk rejects normal residuals."""
    diagnostics = _diagnostics(data)
    normality = (diagnostics or {}).get("normality") or {}
    tests = [
        (name, normality.get(key))
        for name, key in (
            ("Jarque-Bera", "jarque_bera_p_value"),
            ("Shapiro-Wilk", "shapiro_wilk_p_value"),
        )
    ]
    failed = [(name, p) for name, p in tests if p is not None and p < ALPHA]
    if not failed:
        return []
    n = int(((data.report or {}).get("model") or {}).get("n") or len(data.frame))
    many = n > NORMALITY_INFO_ROWS
    listed = ", ".join(f"{name} p = {p:.3g}" for name, p in failed)
    note = (
        f" With {n} rows these tests flag even small departures; the Q-Q plot "
        "shows whether it matters."
        if many
        else " The p-values and confidence intervals assume normal residuals."
    )
    log_hint = (
        ""
        if _log_target(data)
        else "retrain with log_target=true if the target is positive and right-skewed; "
    )
    return [
        Finding(
            code="non_normal_residuals",
            severity=INFO if many else WARNING,
            title="Residuals are not normally distributed",
            evidence=f"{listed} (below {ALPHA} rejects normality).{note}",
            remedy=(
                f"Look at the residual Q-Q plot; {log_hint}check the rows the "
                "report lists as influential for data errors. Predictions are "
                "unaffected; the p-values are what to read with care."
            ),
            columns=[],
        )
    ]


def heteroscedastic_residuals(data: AdviceInput) -> list[Finding]:
    """Breusch-Pagan: the residual spread changes with the predictors."""
    diagnostics = _diagnostics(data)
    tests = (diagnostics or {}).get("heteroscedasticity") or {}
    p = tests.get("breusch_pagan_p_value")
    if p is None or p >= ALPHA:
        return []
    log_hint = (
        ""
        if _log_target(data)
        else "Retrain with log_target=true when the spread grows with the "
        "target's level; "
    )
    remedy = (
        f"{log_hint}see the residuals-vs-fitted plot. Robust (HC3) standard "
        "errors are not offered in Loom yet; weighted least squares is a "
        "modelling step to take outside Loom."
    )
    return [
        Finding(
            code="heteroscedastic_residuals",
            severity=WARNING,
            title="Residual spread is not constant (heteroscedasticity)",
            evidence=(
                f"Breusch-Pagan p = {p:.3g} (below {ALPHA}): the size of the errors "
                "changes with the predictors, so the standard errors and p-values "
                "of the coefficients are unreliable."
            ),
            remedy=remedy[0].upper() + remedy[1:],
            columns=[],
        )
    ]
