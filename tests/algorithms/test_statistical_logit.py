"""``logistic_regression``: accuracy, and the odds-ratio report against statsmodels."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_breast_cancer, load_iris

from loom.algorithms.registry import get_algorithm, validate_params
from loom.training.fitting import TrainingSpec, train


def _report(X: np.ndarray, y: np.ndarray, names: list[str], **params: Any) -> Any:
    algorithm = get_algorithm("logistic_regression")
    estimator = algorithm.build(validate_params("logistic_regression", params), 42)
    estimator.fit(X, y)
    report, plots = algorithm.report(estimator, X, y, names)
    assert plots == {}
    json.dumps(report, allow_nan=False)
    return report["statistics"]


def _frame(name: str) -> tuple[pd.DataFrame, np.ndarray]:
    data = getattr(sm.datasets, name).load_pandas()
    return data.exog.astype(float), data.endog.to_numpy().astype(np.int64)


def test_breast_cancer_cross_validated_roc_auc_is_high(seed: int) -> None:
    frame = load_breast_cancer(as_frame=True).frame
    spec = TrainingSpec("logistic_regression", {}, "target", seed=seed, cv_folds=5)
    outcome = train(frame, spec)
    assert outcome.metrics["roc_auc"] >= 0.98
    statistics = outcome.details["report"]["statistics"]
    assert statistics["available"] is False
    assert "penalty='none'" in statistics["reason"]


def test_binary_odds_ratios_agree_with_statsmodels_logit() -> None:
    exog, y = _frame("spector")
    report = _report(exog.to_numpy(), y, list(exog.columns), penalty="none")
    ref = sm.Logit(y, sm.add_constant(exog.to_numpy())).fit(disp=0)
    assert report["available"] is True
    assert report["model"] == "logit"
    (table,) = report["tables"]
    rows = table["rows"]
    assert [r["term"] for r in rows] == ["const", *exog.columns]
    close = {"rtol": 1e-6}
    np.testing.assert_allclose([r["coef"] for r in rows], ref.params, **close)
    np.testing.assert_allclose([r["std_error"] for r in rows], ref.bse, **close)
    np.testing.assert_allclose([r["p_value"] for r in rows], ref.pvalues, **close)
    np.testing.assert_allclose(
        [r["odds_ratio"] for r in rows], np.exp(ref.params), **close
    )
    interval = np.exp(ref.conf_int())
    np.testing.assert_allclose([r["or_ci_low"] for r in rows], interval[:, 0], **close)
    assert report["pseudo_r2"] == pytest.approx(ref.prsquared, rel=1e-6)


def test_multinomial_tables_agree_with_statsmodels_mnlogit() -> None:
    exog, y = _frame("anes96")
    report = _report(exog.to_numpy(), y, list(exog.columns), penalty="none")
    ref = sm.MNLogit(y, sm.add_constant(exog.to_numpy())).fit(disp=0)
    assert report["model"] == "multinomial logit"
    assert len(report["tables"]) == 6  # 7 party codes, each against code 0
    for k, table in enumerate(report["tables"]):
        rows = table["rows"]
        np.testing.assert_allclose(
            [r["coef"] for r in rows], ref.params[:, k], rtol=1e-6
        )
        np.testing.assert_allclose(
            [r["std_error"] for r in rows], ref.bse[:, k], rtol=1e-6
        )
        np.testing.assert_allclose(
            [r["p_value"] for r in rows], ref.pvalues[:, k], rtol=1e-5
        )


def test_string_column_reference_level_is_left_out_of_the_logit() -> None:
    exog, y = _frame("spector")
    frame = exog.assign(grade=y, group=np.where(np.arange(len(y)) % 2, "b", "a"))
    spec = TrainingSpec(
        "logistic_regression", {"penalty": "none"}, "grade", test_size=0.2
    )
    statistics = train(frame, spec).details["report"]["statistics"]
    assert statistics["available"] is True
    assert statistics["references"] == {"group": "a"}
    terms = [r["term"] for r in statistics["tables"][0]["rows"]]
    assert "group=b" in terms and "group=a" not in terms


def test_separable_classes_explain_why_there_are_no_p_values() -> None:
    X, y = load_iris(return_X_y=True)
    report = _report(X, y, [f"x{i}" for i in range(4)], penalty="none")
    assert report["available"] is False
    assert "separate" in report["reason"]
