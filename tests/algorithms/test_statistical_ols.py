"""``linear_regression``: NIST certified values, statsmodels agreement, remedies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_diabetes
from statsmodels.stats.diagnostic import het_breuschpagan
from statsmodels.stats.outliers_influence import (
    OLSInfluence,
    variance_inflation_factor,
)
from statsmodels.stats.stattools import durbin_watson, jarque_bera

from loom.algorithms.registry import get_algorithm, validate_params
from loom.core.errors import InvalidInputError
from loom.training.fitting import TrainingSpec, train
from tests.fixtures.nist import nist_dir, read_nist  # noqa: F401

PNG = b"\x89PNG"
# name -> (polynomial degree or None for the file's own columns, intercept)
NIST_MODELS: dict[str, tuple[int | None, bool]] = {
    "Norris": (None, True),
    "Pontius": (2, True),
    "NoInt1": (None, False),
    "NoInt2": (None, False),
    "Longley": (None, True),
    "Wampler1": (5, True),
    "Wampler2": (5, True),
    "Wampler3": (5, True),
    "Wampler4": (5, True),
    "Wampler5": (5, True),
    "Filip": (10, True),
}
# Relative error allowed: 7 significant digits everywhere. Filip is met only
# because ill-conditioned fits switch to 50-digit arithmetic; its remaining
# error (about 2.5e-8) comes from the inputs' float64 rounding, not the solver.
NIST_RTOL = 1e-7


def _fit_report(
    X: np.ndarray, y: np.ndarray, names: list[str], **params: Any
) -> tuple[Any, dict[str, Any], dict[str, bytes]]:
    algorithm = get_algorithm("linear_regression")
    estimator = algorithm.build(validate_params("linear_regression", params), 42)
    algorithm.bind_features(estimator, names)
    estimator.fit(X, y)
    report, plots = algorithm.report(estimator, X, y, names)
    return estimator, report, plots


def _column(report: dict[str, Any], key: str) -> np.ndarray:
    return np.array([row[key] for row in report["coefficients"]], dtype=float)


@pytest.mark.parametrize("name", list(NIST_MODELS))
def test_ols_matches_nist_certified_values(nist_dir: Path, name: str) -> None:  # noqa: F811
    case = read_nist(nist_dir / f"{name}.dat")
    degree, intercept = NIST_MODELS[name]
    X = case.x if degree is None else case.x ** np.arange(1, degree + 1)
    names = [f"x{i}" for i in range(X.shape[1])]
    _, report, _ = _fit_report(X, case.y, names, fit_intercept=intercept)
    np.testing.assert_allclose(_column(report, "b"), case.estimates, rtol=NIST_RTOL)
    # Wampler1 is an exact fit: certified SEs are 0, and NIST's log relative
    # error then reads the absolute error instead (>= 7 digits means < 1e-7).
    np.testing.assert_allclose(
        _column(report, "std_error"), case.std_errors, rtol=NIST_RTOL, atol=1e-7
    )


def _statsmodels_frame(name: str) -> tuple[pd.DataFrame, pd.Series]:
    data = getattr(sm.datasets, name).load_pandas()
    return data.exog.astype(float), data.endog.astype(float)


@pytest.mark.parametrize("dataset", ["longley", "stackloss"])
def test_ols_report_agrees_with_statsmodels(dataset: str) -> None:
    exog, endog = _statsmodels_frame(dataset)
    X, y = exog.to_numpy(), endog.to_numpy()
    _, report, plots = _fit_report(X, y, list(exog.columns), confidence=0.9)
    design = sm.add_constant(X)
    ref = sm.OLS(y, design).fit()
    close = {"rtol": 1e-8, "atol": 0}
    np.testing.assert_allclose(_column(report, "b"), ref.params, **close)
    np.testing.assert_allclose(_column(report, "std_error"), ref.bse, **close)
    np.testing.assert_allclose(_column(report, "t"), ref.tvalues, **close)
    np.testing.assert_allclose(_column(report, "p_value"), ref.pvalues, **close)
    interval = ref.conf_int(alpha=0.1)
    np.testing.assert_allclose(_column(report, "ci_low"), interval[:, 0], **close)
    np.testing.assert_allclose(_column(report, "ci_high"), interval[:, 1], **close)
    vif = [variance_inflation_factor(design, i) for i in range(1, design.shape[1])]
    np.testing.assert_allclose(_column(report, "vif")[1:], vif, **close)
    beta = ref.params[1:] * X.std(axis=0, ddof=1) / y.std(ddof=1)
    np.testing.assert_allclose(_column(report, "beta")[1:], beta, **close)
    model = report["model"]
    for key, expected in {
        "r2": ref.rsquared,
        "adj_r2": ref.rsquared_adj,
        "f": ref.fvalue,
        "f_p_value": ref.f_pvalue,
        "aic": ref.aic,
        "bic": ref.bic,
        "log_likelihood": ref.llf,
    }.items():
        assert model[key] == pytest.approx(expected, rel=1e-8), key
    assert model["n"] == len(y)
    _assert_diagnostics_agree(report["diagnostics"], ref, design)
    assert plots["ols_qq.png"].startswith(PNG)
    assert plots["ols_residuals_vs_fitted.png"].startswith(PNG)
    json.dumps(report, allow_nan=False)


def _assert_diagnostics_agree(diag: dict[str, Any], ref: Any, design: Any) -> None:
    resid = ref.resid
    assert diag["durbin_watson"] == pytest.approx(durbin_watson(resid), rel=1e-8)
    jb, jb_p, _, _ = jarque_bera(resid)
    assert diag["normality"]["jarque_bera"] == pytest.approx(jb, rel=1e-6)
    assert diag["normality"]["jarque_bera_p_value"] == pytest.approx(jb_p, rel=1e-6)
    assert diag["normality"]["shapiro_wilk_p_value"] is not None
    lm, lm_p, _, _ = het_breuschpagan(resid, design)
    hetero = diag["heteroscedasticity"]
    assert hetero["breusch_pagan"] == pytest.approx(lm, rel=1e-6)
    assert hetero["breusch_pagan_p_value"] == pytest.approx(lm_p, rel=1e-6)
    influence = OLSInfluence(ref)
    cooks = influence.cooks_distance[0]
    top = diag["influence"]["top_rows"][0]
    assert top["row"] == int(np.argmax(cooks))
    assert top["cooks_distance"] == pytest.approx(cooks.max(), rel=1e-6)
    assert top["leverage"] == pytest.approx(
        influence.hat_matrix_diag[top["row"]], rel=1e-6
    )
    assert top["studentized_residual"] == pytest.approx(
        influence.resid_studentized_external[top["row"]], rel=1e-6
    )
    n = len(resid)
    assert diag["influence"]["count_high_cooks_distance"] == int(np.sum(cooks > 4 / n))


@pytest.mark.parametrize(
    ("selection", "criterion"),
    [("backward", "p"), ("backward", "aic"), ("forward", "aic")],
)
def test_stepwise_keeps_the_known_longley_predictors(
    selection: str, criterion: str
) -> None:
    # GNPDEFL and POP are near-copies of GNP/YEAR (VIF > 100); the subset
    # GNP, UNEMP, ARMED, YEAR is the one the Longley literature settles on.
    exog, endog = _statsmodels_frame("longley")
    _, report, _ = _fit_report(
        exog.to_numpy(),
        endog.to_numpy(),
        list(exog.columns),
        selection=selection,
        selection_criterion=criterion,
    )
    assert report["selection"]["kept"] == ["GNP", "UNEMP", "ARMED", "YEAR"]
    assert report["selection"]["steps"]
    assert [row["term"] for row in report["coefficients"]][1:] == [
        "GNP",
        "UNEMP",
        "ARMED",
        "YEAR",
    ]


def _diabetes_with_sex() -> pd.DataFrame:
    frame = load_diabetes(as_frame=True, scaled=False).frame
    frame["sex"] = np.where(frame["sex"] == 1, "female", "male")
    frame.loc[frame.index % 3 != 0, "sex"] = "other"  # the most frequent level
    return frame


@pytest.mark.parametrize(
    ("reference", "level"), [("first", "female"), ("most_frequent", "other")]
)
def test_string_column_drops_its_reference_level(reference: str, level: str) -> None:
    frame = _diabetes_with_sex()
    spec = TrainingSpec("linear_regression", {"reference": reference}, "target")
    report = train(frame, spec).details["report"]
    assert report["references"] == {"sex": level}
    rows = [r for r in report["coefficients"] if r["predictor"] == "sex"]
    assert len(rows) == 2
    assert all(r["reference"] == level for r in rows)
    assert f"sex={level}" not in {r["term"] for r in rows}
    json.dumps(report, allow_nan=False)


def test_train_diabetes_report_is_complete_and_json_safe(seed: int) -> None:
    frame = load_diabetes(as_frame=True).frame
    outcome = train(frame, TrainingSpec("linear_regression", {}, "target", seed=seed))
    assert outcome.metrics["r2"] > 0.3
    report = outcome.details["report"]
    json.dumps(report, allow_nan=False)
    assert report["model"]["n"] == outcome.n_train
    assert report["saved"]["rows"] == outcome.n_train
    assert report["saved"]["truncated"] is False
    assert report["advice"]
    assert {"ols_qq.png", "ols_residuals_vs_fitted.png"} <= set(outcome.plots)


def test_constant_column_is_refused_before_training() -> None:
    frame = load_diabetes(as_frame=True).frame.assign(site=3.0)
    with pytest.raises(
        InvalidInputError, match=r"constant feature column 'site' \(always 3.0\)"
    ):
        train(frame, TrainingSpec("linear_regression", {}, "target"))


def test_collinear_columns_are_rejected_naming_them() -> None:
    frame = load_diabetes(as_frame=True).frame
    frame["bmi_copy"] = frame["bmi"] * 2.0
    with pytest.raises(InvalidInputError, match="perfectly collinear: 'bmi_copy'"):
        train(frame, TrainingSpec("linear_regression", {}, "target"))


def test_non_numeric_target_is_rejected_before_training() -> None:
    frame = load_diabetes(as_frame=True).frame.assign(
        grade=lambda f: np.where(f["target"] > 140, "high", "low")
    )
    with pytest.raises(InvalidInputError, match="target 'grade' must be numeric"):
        train(frame, TrainingSpec("linear_regression", {}, "grade"))


def test_log_target_rejects_zero_naming_the_target() -> None:
    X, y = load_diabetes(return_X_y=True)
    target = pd.Series(y, name="progression")
    target.iloc[5] = 0.0
    estimator = get_algorithm("linear_regression").build(
        validate_params("linear_regression", {"log_target": True}), 42
    )
    with pytest.raises(InvalidInputError, match="target column 'progression'"):
        estimator.fit(X, target)


def test_log_target_predicts_on_the_original_scale() -> None:
    X, y = load_diabetes(return_X_y=True)
    estimator, report, _ = _fit_report(
        X, y, [f"x{i}" for i in range(10)], log_target=True
    )
    ref = sm.OLS(np.log(y), sm.add_constant(X)).fit()
    np.testing.assert_allclose(estimator.predict(X), np.exp(ref.fittedvalues))
    assert report["target_transform"] == "log"


@pytest.mark.parametrize("penalty", ["ridge", "lasso"])
def test_penalised_fit_says_inference_is_unavailable(penalty: str) -> None:
    frame = load_diabetes(as_frame=True).frame
    spec = TrainingSpec("linear_regression", {"penalty": penalty}, "target")
    outcome = train(frame, spec)
    report = outcome.details["report"]
    assert report["inference"]["available"] is False
    assert penalty in report["inference"]["reason"]
    assert "p_value" not in report["coefficients"][1]
    assert outcome.metrics["r2"] > 0.3
    json.dumps(report, allow_nan=False)


def test_rare_first_level_missing_from_a_fold_does_not_break_cross_validation() -> None:
    frame = _diabetes_with_sex()
    frame.loc[7, "sex"] = "aardvark"  # first alphabetically, in one row only
    spec = TrainingSpec("linear_regression", {}, "target", cv_folds=5)
    outcome = train(frame, spec)
    assert outcome.metrics["r2"] > 0.3
    assert outcome.details["report"]["references"] == {"sex": "aardvark"}
