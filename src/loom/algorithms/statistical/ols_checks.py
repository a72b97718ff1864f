"""Assumption checks behind the regression report: normality, variance, influence.

Also the plain-language advice and the two diagnostic plots (Q-Q and
residuals against fitted values), drawn on an Agg canvas like ``training.plots``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_MAX_POINTS = 2_000


def num(value: Any) -> float | None:
    """A JSON-safe float: NaN and infinities become None."""
    number = float(value)
    return number if math.isfinite(number) else None


def normality(residuals: np.ndarray, shapiro_max_rows: int) -> dict[str, Any]:
    """Jarque-Bera always; Shapiro-Wilk where it is defined (3..max rows)."""
    from scipy import stats
    from statsmodels.stats.stattools import jarque_bera

    jb, jb_p, skew, kurtosis = jarque_bera(residuals)
    out: dict[str, Any] = {
        "jarque_bera": num(jb),
        "jarque_bera_p_value": num(jb_p),
        "skew": num(skew),
        "kurtosis": num(kurtosis),
    }
    n = len(residuals)
    if 3 <= n <= shapiro_max_rows and np.ptp(residuals) > 0:
        w, p = stats.shapiro(residuals)
        out |= {"shapiro_wilk": num(w), "shapiro_wilk_p_value": num(p)}
    else:
        out |= {
            "shapiro_wilk": None,
            "shapiro_wilk_p_value": None,
            "shapiro_wilk_note": f"run on 3 to {shapiro_max_rows} rows only; "
            f"this fit has {n}",
        }
    return out


def heteroscedasticity(residuals: np.ndarray, design: np.ndarray) -> dict[str, Any]:
    """Breusch-Pagan test of the squared residuals on the predictors."""
    from statsmodels.stats.diagnostic import het_breuschpagan

    has_const = bool(np.any(np.all(design == 1.0, axis=0)))
    exog = design if has_const else np.column_stack([np.ones(len(design)), design])
    if exog.shape[1] < 2 or len(design) <= exog.shape[1]:
        return {"breusch_pagan": None, "note": "needs at least one predictor"}
    lm, lm_p, f_value, f_p = het_breuschpagan(residuals, exog)
    return {
        "breusch_pagan": num(lm),
        "breusch_pagan_p_value": num(lm_p),
        "breusch_pagan_f": num(f_value),
        "breusch_pagan_f_p_value": num(f_p),
    }


def influence(
    design: np.ndarray, residuals: np.ndarray, sigma2: float, top: int
) -> dict[str, Any]:
    """Studentised residuals, leverage and Cook's distance against the usual cuts.

    Cuts: |externally studentised residual| > 2 and > 3, leverage > 2k/n,
    Cook's distance > 4/n. Rows are 0-based positions in the fitted rows.
    """
    n, k = design.shape
    if n - k < 2 or not sigma2 > 0:
        return {"note": "too few residual degrees of freedom for influence measures"}
    norms = np.linalg.norm(design, axis=0)
    norms[norms == 0] = 1.0
    q, _ = np.linalg.qr(design / norms)
    leverage = np.clip(np.sum(q * q, axis=1), 0.0, 1.0 - 1e-12)
    internal = residuals / np.sqrt(sigma2 * (1.0 - leverage))
    external = internal * np.sqrt((n - k - 1) / np.maximum(n - k - internal**2, 1e-12))
    cooks = internal**2 * leverage / (k * (1.0 - leverage))
    order = np.argsort(-cooks)[:top]
    return {
        "thresholds": {
            "studentized_residual": [2.0, 3.0],
            "leverage": 2 * k / n,
            "cooks_distance": 4 / n,
        },
        "count_studentized_over_2": int(np.sum(np.abs(external) > 2)),
        "count_studentized_over_3": int(np.sum(np.abs(external) > 3)),
        "count_high_leverage": int(np.sum(leverage > 2 * k / n)),
        "count_high_cooks_distance": int(np.sum(cooks > 4 / n)),
        "top_rows": [
            {
                "row": int(i),
                "cooks_distance": num(cooks[i]),
                "leverage": num(leverage[i]),
                "studentized_residual": num(external[i]),
                "residual": num(residuals[i]),
            }
            for i in order
        ],
    }


def advice(report: dict[str, Any], alpha: float) -> list[str]:
    """Plain-language reading of the report, in the order of the workflow."""
    lines: list[str] = []
    model = report["model"]
    if model["f_p_value"] is not None:
        p_f = model["f_p_value"]
        verdict = "is" if p_f < alpha else "is not"
        lines.append(
            f"The model {verdict} significant overall (F p = {p_f:.3g}); "
            f"it explains {100 * (model['r2'] or 0):.1f}% of the target's variation."
        )
    significant = [
        row["term"]
        for row in report["coefficients"]
        if row["p_value"] is not None and row["p_value"] < alpha and row["beta"]
    ]
    lines.append(
        f"Predictors significant at {alpha}: "
        + (", ".join(significant) if significant else "none")
        + "."
    )
    vifs = [(r["term"], r["vif"]) for r in report["coefficients"] if r["vif"]]
    severe = [t for t, v in vifs if v > 10]
    if severe:
        lines.append(
            f"Serious multicollinearity (VIF > 10): {', '.join(severe)}; drop one of "
            "each correlated group, use selection='backward', or penalty='ridge'."
        )
    elif any(v > 5 for _, v in vifs):
        lines.append("Some VIF values exceed 5: watch for multicollinearity.")
    lines.extend(_assumption_advice(report["diagnostics"], alpha))
    return lines


def _assumption_advice(diagnostics: dict[str, Any], alpha: float) -> list[str]:
    lines: list[str] = []
    dw = diagnostics["durbin_watson"]
    if dw is not None and not 1.7 <= dw <= 2.3:
        lines.append(
            f"Durbin-Watson is {dw:.2f} (outside 1.7-2.3): residuals look "
            "autocorrelated; check the row order and for missing predictors."
        )
    jb_p = diagnostics["normality"]["jarque_bera_p_value"]
    if jb_p is not None and jb_p < alpha:
        lines.append(
            "Residuals are not normal (Jarque-Bera); see the Q-Q plot, consider "
            "log_target for a skewed positive target, and look at outliers."
        )
    bp_p = diagnostics["heteroscedasticity"].get("breusch_pagan_p_value")
    if bp_p is not None and bp_p < alpha:
        lines.append(
            "Residual spread changes with the predictors (Breusch-Pagan): "
            "standard errors may mislead; try log_target or robust errors."
        )
    influence = diagnostics["influence"]
    if influence.get("count_studentized_over_3"):
        lines.append(
            f"{influence['count_studentized_over_3']} row(s) have |studentised "
            "residual| > 3: check them for data errors (see top_rows)."
        )
    return lines


def _figure() -> tuple[Any, Any]:
    from loom.core.charts import new_figure

    figure = new_figure()
    return figure, figure.add_subplot()


def _png(figure: Any) -> bytes:
    from loom.core.charts import png_bytes

    return png_bytes(figure)


def _thin(n: int) -> np.ndarray:
    """Evenly spaced positions, so big fits draw a readable, bounded plot."""
    return np.unique(np.linspace(0, n - 1, min(n, _MAX_POINTS)).astype(int))


def qq_png(residuals: np.ndarray) -> bytes:
    """Normal Q-Q plot of the standardised residuals."""
    from scipy import stats

    n = len(residuals)
    spread = float(np.std(residuals, ddof=1)) if n > 1 else 1.0
    ordered = np.sort(residuals) / (spread or 1.0)
    theory = stats.norm.ppf((np.arange(1, n + 1) - 0.375) / (n + 0.25))
    keep = _thin(n)
    figure, axes = _figure()
    axes.scatter(theory[keep], ordered[keep], s=8, alpha=0.7)
    low, high = float(theory.min()), float(theory.max())
    axes.plot([low, high], [low, high], linestyle="--", color="grey", linewidth=1)
    axes.set(
        xlabel="Normal quantiles",
        ylabel="Standardised residuals",
        title="Residual Q-Q plot",
    )
    return _png(figure)


def residuals_vs_fitted_png(fitted: np.ndarray, residuals: np.ndarray) -> bytes:
    """Residuals against fitted values: a funnel shape means unequal variance."""
    keep = _thin(len(fitted))
    figure, axes = _figure()
    axes.scatter(fitted[keep], residuals[keep], s=8, alpha=0.7)
    axes.axhline(0.0, linestyle="--", color="grey", linewidth=1)
    axes.set(xlabel="Fitted value", ylabel="Residual", title="Residuals vs fitted")
    return _png(figure)
