"""Regression rules: collinearity (VIF) and the residual assumptions of OLS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor

from loom.advice import AdviceInput, advise
from loom.advice.rules_regression import (
    autocorrelated_residuals,
    heteroscedastic_residuals,
    multicollinearity,
    non_normal_residuals,
    vif,
)
from tests.advice.builders import codes, only, supervised_input


def _statsmodels_frame(name: str) -> pd.DataFrame:
    data = getattr(sm.datasets, name).load_pandas()
    frame = data.exog.astype(float)
    frame["y"] = data.endog.astype(float)
    return frame


@pytest.fixture(scope="module")
def longley_ols() -> AdviceInput:
    """OLS on the Longley economic data: 16 years, famously collinear."""
    return supervised_input(
        _statsmodels_frame("longley"),
        "y",
        "linear_regression",
        cv_folds=4,
        with_report=True,
    )


@pytest.fixture(scope="module")
def engel_ols() -> AdviceInput:
    """Food spending on income for 235 households: skewed, funnel-shaped errors."""
    frame = sm.datasets.engel.load_pandas().data
    return supervised_input(
        frame, "foodexp", "linear_regression", cv_folds=3, with_report=True
    )


def test_multicollinearity_is_critical_on_longley_and_names_the_columns(
    longley_ols: AdviceInput,
) -> None:
    finding = only(advise(longley_ols), "multicollinearity")
    assert finding.severity == "critical"
    # VIF from the OLS report: GNP 1,789, YEAR 759, POP 399, GNPDEFL 136, UNEMP 34.
    assert finding.columns == ["GNP", "YEAR", "POP", "GNPDEFL", "UNEMP"]
    assert "GNP 1,789" in finding.evidence
    assert "from the regression report" in finding.evidence
    assert "penalty='ridge'" in finding.remedy
    assert "selection='backward'" in finding.remedy


def test_multicollinearity_computes_vif_for_other_models_as_info() -> None:
    data = supervised_input(_statsmodels_frame("longley"), "y", "cart_regressor")
    finding = only(multicollinearity(data), "multicollinearity")
    assert finding.severity == "info"  # trees predict fine; importances are split
    assert finding.columns[0] == "GNP"
    assert "computed on the numeric features" in finding.evidence


def test_multicollinearity_silent_on_stackloss() -> None:
    # Air flow, water temperature and acid concentration: VIF 2.9 at most.
    data = supervised_input(
        _statsmodels_frame("stackloss"),
        "y",
        "linear_regression",
        cv_folds=3,
        with_report=True,
    )
    assert multicollinearity(data) == []


def test_vif_matches_statsmodels_on_wine(wine_df: pd.DataFrame) -> None:
    X = wine_df.drop(columns="target").to_numpy(dtype=float)
    exog = np.column_stack([np.ones(len(X)), X])
    expected = [variance_inflation_factor(exog, i + 1) for i in range(X.shape[1])]
    np.testing.assert_allclose(vif(X), expected, rtol=1e-9)


def test_vif_is_infinite_for_an_exact_linear_combination(wine_df: pd.DataFrame) -> None:
    X = wine_df[["alcohol", "hue", "ash"]].to_numpy(dtype=float)
    X = np.column_stack([X, X[:, 0] + 2 * X[:, 1]])
    values = vif(X)
    assert np.isinf(values[[0, 1, 3]]).all()
    assert np.isfinite(values[2])


def test_autocorrelated_residuals_flags_longley_durbin_watson(
    longley_ols: AdviceInput,
) -> None:
    finding = only(autocorrelated_residuals(longley_ols), "autocorrelated_residuals")
    assert finding.severity == "warning"
    assert "Durbin-Watson is 2.56" in finding.evidence
    assert "lagged" in finding.remedy


def test_residual_rules_flag_engel(engel_ols: AdviceInput) -> None:
    findings = advise(engel_ols)
    normal = only(findings, "non_normal_residuals")
    assert normal.severity == "warning"  # 235 rows: the tests are meaningful
    assert "Jarque-Bera p = " in normal.evidence
    assert "log_target=true" in normal.remedy
    spread = only(findings, "heteroscedastic_residuals")
    assert spread.severity == "warning"
    assert "Breusch-Pagan p = " in spread.evidence
    assert "HC3" in spread.remedy


def test_non_normal_residuals_is_info_with_many_rows(cancer_df: pd.DataFrame) -> None:
    # Area grows with radius squared: a straight line leaves skewed residuals,
    # and with 569 rows the test rejects anything.
    frame = cancer_df[["mean radius", "mean area"]]
    data = supervised_input(
        frame, "mean area", "linear_regression", cv_folds=3, with_report=True
    )
    assert only(non_normal_residuals(data), "non_normal_residuals").severity == "info"


def test_residual_rules_silent_when_assumptions_hold(longley_ols: AdviceInput) -> None:
    # Longley's residuals pass Jarque-Bera (p 0.71) and Breusch-Pagan (p 0.87).
    assert non_normal_residuals(longley_ols) == []
    assert heteroscedastic_residuals(longley_ols) == []


def test_residual_rules_silent_without_an_ols_report(
    diabetes_df: pd.DataFrame,
) -> None:
    data = supervised_input(diabetes_df, "target", "cart_regressor")
    found = codes(advise(data))
    for code in (
        "autocorrelated_residuals",
        "non_normal_residuals",
        "heteroscedastic_residuals",
    ):
        assert code not in found
