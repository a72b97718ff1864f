"""The SPSSAU-style regression report: coefficients, fit, assumptions, influence.

Every number comes from the fit the estimator stored (``OLSRegressor.fit_``), so
what a user reads is what the NIST and statsmodels agreement tests check.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from loom.algorithms.statistical.ols_checks import (
    advice,
    heteroscedasticity,
    influence,
    normality,
    num,
    qq_png,
    residuals_vs_fitted_png,
)
from loom.algorithms.statistical.ols_estimator import (
    INTERCEPT,
    OLSRegressor,
    transform_target,
)

SAVED_ROWS_CAP = 10_000
SHAPIRO_MAX_ROWS = 5_000
TOP_ROWS = 10
_ALPHA = 0.05


def regression_report(
    model: OLSRegressor, X: Any, y: Any
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The report on ``model`` fitted to ``X``/``y``, and its PNG plots."""
    X = np.asarray(X, dtype=np.float64)
    target = transform_target(y, model.settings.log_target)
    report: dict[str, Any] = {
        "method": "ols" if model.fit_ is not None else model.settings.penalty,
        "target_transform": "log" if model.settings.log_target else None,
        "dropped_columns": model.dropped_,
        "references": {t.name: t.reference for t in model.terms_ if t.reference},
        "selection": {
            "method": model.settings.selection,
            "criterion": model.settings.selection_criterion,
            "steps": model.selection_steps_,
            "kept": [t.name for t in model.terms_],
        },
    }
    if model.settings.selection != "none" and model.fit_ is None:
        report["selection"]["note"] = "stepwise selection is skipped with a penalty"
    if model.settings.log_target:
        report["target_note"] = (
            "the model is fitted to log(target); predictions are exp(fit), "
            "the conditional median rather than the mean"
        )
    if model.fit_ is None:
        report["coefficients"] = _penalised_table(model)
        report["inference"] = {
            "available": False,
            "reason": f"{model.settings.penalty} shrinks the coefficients, so the "
            "OLS standard errors, t, p and intervals do not apply to them",
        }
        return report, {}
    design = model.design(X)
    # Library warnings (an ill-conditioned VIF, say) belong in the report, not
    # on a worker's stderr.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stats = _fit_statistics(model, design, target)
        report["coefficients"] = _coefficient_table(model, design, target, stats)
        report["model"] = stats["summary"]
        report["diagnostics"] = _diagnostics(model, design, stats)
    report["warnings"] = list(dict.fromkeys(str(w.message) for w in caught))
    report["saved"] = _saved(stats["fitted"], stats["residuals"], model)
    report["advice"] = _advice(report)
    return report, _plots(stats["fitted"], stats["residuals"])


def _fit_statistics(
    model: OLSRegressor, design: np.ndarray, y: np.ndarray
) -> dict[str, Any]:
    from scipy import stats

    fit = model.fit_
    assert fit is not None
    n, k = design.shape
    df_resid = n - k
    has_const = model.settings.fit_intercept
    centered = y - y.mean() if has_const else y
    tss = float(centered @ centered)
    df_model = k - int(has_const)
    sigma2 = fit.rss / df_resid if df_resid > 0 else math.nan
    r2 = 1.0 - fit.rss / tss if tss > 0 else math.nan
    adj = 1.0 - (n - int(has_const)) / df_resid * (1 - r2) if df_resid > 0 else math.nan
    f_value = ((tss - fit.rss) / df_model) / sigma2 if df_model and sigma2 else math.nan
    p_f = stats.f.sf(f_value, df_model, df_resid) if math.isfinite(f_value) else None
    llf = (
        -n / 2 * (math.log(2 * math.pi * fit.rss / n) + 1) if fit.rss > 0 else math.inf
    )
    summary = {
        "n": n,
        "parameters": k,
        "df_model": df_model,
        "df_resid": df_resid,
        "r2": num(r2),
        "r2_kind": "centered" if has_const else "uncentered (no intercept)",
        "adj_r2": num(adj),
        "f": num(f_value),
        "f_p_value": None if p_f is None else num(p_f),
        "residual_std_error": num(math.sqrt(sigma2)) if sigma2 >= 0 else None,
        "rss": num(fit.rss),
        "log_likelihood": num(llf),
        "aic": num(-2 * llf + 2 * k),
        "bic": num(-2 * llf + math.log(n) * k),
        "condition_number": num(fit.condition),
        "precision": fit.precision,
    }
    fitted = design @ fit.coef
    return {
        "summary": summary,
        "sigma2": sigma2,
        "residuals": y - fitted,
        "fitted": fitted,
    }


def _coefficient_table(
    model: OLSRegressor, design: np.ndarray, y: np.ndarray, stats: dict[str, Any]
) -> list[dict[str, Any]]:
    from scipy import stats as dist

    fit = model.fit_
    assert fit is not None
    names = model.column_names_
    if model.settings.fit_intercept:
        names = [INTERCEPT, *names]
    df_resid = design.shape[0] - design.shape[1]
    se = np.sqrt(np.diag(fit.cov_unscaled) * stats["sigma2"])
    with np.errstate(divide="ignore", invalid="ignore"):
        t = fit.coef / se
    p = 2 * dist.t.sf(np.abs(t), df_resid)
    half = dist.t.ppf(0.5 + model.settings.confidence / 2, df_resid) * se
    sd_y = float(np.std(y, ddof=1))
    vif = _vif(design, model.settings.fit_intercept)
    owner = _owners(model)
    rows = []
    for i, name in enumerate(names):
        is_const = model.settings.fit_intercept and i == 0
        beta = (
            None if is_const else num(fit.coef[i] * np.std(design[:, i], ddof=1) / sd_y)
        )
        rows.append(
            {
                "term": name,
                "predictor": owner.get(name, name),
                "reference": _reference_of(model, owner.get(name)),
                "b": num(fit.coef[i]),
                "beta": beta,
                "std_error": num(se[i]),
                "t": num(t[i]),
                "p_value": num(p[i]),
                "ci_low": num(fit.coef[i] - half[i]),
                "ci_high": num(fit.coef[i] + half[i]),
                "vif": None if is_const else vif[i],
            }
        )
    return rows


def _owners(model: OLSRegressor) -> dict[str, str]:
    return {model.input_names_[c]: t.name for t in model.terms_ for c in t.columns}


def _reference_of(model: OLSRegressor, predictor: str | None) -> str | None:
    for term in model.terms_:
        if term.name == predictor:
            return term.reference
    return None


def _vif(design: np.ndarray, has_const: bool) -> list[float | None]:
    """Variance inflation factors; with an intercept they use centred R²."""
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    if design.shape[1] - int(has_const) < 2:
        return [1.0] * design.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return [
            num(variance_inflation_factor(design, i)) for i in range(design.shape[1])
        ]


def _penalised_table(model: OLSRegressor) -> list[dict[str, Any]]:
    owner = _owners(model)
    rows = []
    if model.settings.fit_intercept:
        rows.append(
            {
                "term": INTERCEPT,
                "predictor": INTERCEPT,
                "reference": None,
                "b": num(model.intercept_),
            }
        )
    for name, coef in zip(model.column_names_, model.coef_, strict=True):
        predictor = owner.get(name, name)
        rows.append(
            {
                "term": name,
                "predictor": predictor,
                "reference": _reference_of(model, predictor),
                "b": num(coef),
            }
        )
    return rows


def _diagnostics(
    model: OLSRegressor, design: np.ndarray, stats: dict[str, Any]
) -> dict[str, Any]:
    from statsmodels.stats.stattools import durbin_watson

    residuals = stats["residuals"]
    return {
        "durbin_watson": num(durbin_watson(residuals)),
        "normality": normality(residuals, SHAPIRO_MAX_ROWS),
        "heteroscedasticity": heteroscedasticity(residuals, design),
        "influence": influence(design, residuals, stats["sigma2"], TOP_ROWS),
    }


def _saved(
    fitted: np.ndarray, residuals: np.ndarray, model: OLSRegressor
) -> dict[str, Any]:
    rows = min(len(fitted), SAVED_ROWS_CAP)
    return {
        "scale": "log(target)" if model.settings.log_target else "target",
        "prediction": [num(v) for v in fitted[:rows]],
        "residual": [num(v) for v in residuals[:rows]],
        "rows": rows,
        "total_rows": len(fitted),
        "truncated": rows < len(fitted),
        "note": f"the first {SAVED_ROWS_CAP} fitted rows at most are saved",
    }


def _advice(report: dict[str, Any]) -> list[str]:
    return advice(report, _ALPHA)


def _plots(fitted: np.ndarray, residuals: np.ndarray) -> dict[str, bytes]:
    return {
        "ols_qq.png": qq_png(residuals),
        "ols_residuals_vs_fitted.png": residuals_vs_fitted_png(fitted, residuals),
    }
