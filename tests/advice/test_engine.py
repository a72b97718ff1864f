"""``advise``: ordering, determinism, robustness and the stored shape."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest

from loom.advice import RULES, AdviceInput, Finding, advise
from loom.advice.findings import SEVERITY_RANK
from loom.advice.rules_leakage import leakage_suspect
from tests.advice.builders import codes, supervised_input


@pytest.fixture(scope="module")
def troubled(cancer_df: pd.DataFrame) -> AdviceInput:
    """Breast cancer with a row index, a leaked code and a rare malignant class."""
    malignant = cancer_df[cancer_df["diagnosis"] == "malignant"].head(20)
    frame = pd.concat([malignant, cancer_df[cancer_df["diagnosis"] == "benign"]])
    frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    frame.insert(0, "row", np.arange(len(frame)))
    frame["outcome_code"] = (frame["diagnosis"] == "malignant").astype(int)
    return supervised_input(
        frame, "diagnosis", "knn_classifier", params={"scale": False}
    )


def test_advise_sorts_critical_then_warning_then_info(troubled: AdviceInput) -> None:
    findings = advise(troubled)
    ranks = [SEVERITY_RANK[f.severity] for f in findings]
    assert ranks == sorted(ranks)
    assert findings[0].code == "leakage_suspect"
    assert {"identifier_as_number", "unscaled_features", "imbalanced_classes"} <= set(
        codes(findings)
    )


def test_advise_is_deterministic(troubled: AdviceInput) -> None:
    first = [f.to_dict() for f in advise(troubled)]
    second = [f.to_dict() for f in advise(troubled)]
    assert first == second


def test_advise_survives_a_rule_that_raises(
    troubled: AdviceInput, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_rule(data: AdviceInput) -> list[Finding]:
        return [Finding("never", "info", "", "", "", [data.features[10_000]])]

    with caplog.at_level(logging.WARNING, logger="loom.advice.engine"):
        findings = advise(troubled, rules=(broken_rule, leakage_suspect))
    assert codes(findings) == ["leakage_suspect"]
    assert "broken_rule" in caplog.text


def test_advise_findings_serialise_to_the_run_details_shape(
    troubled: AdviceInput,
) -> None:
    stored = json.loads(json.dumps([f.to_dict() for f in advise(troubled)]))
    assert stored
    for item in stored:
        assert set(item) == {
            "code",
            "severity",
            "title",
            "evidence",
            "remedy",
            "columns",
        }
        assert item["severity"] in {"info", "warning", "critical"}
        assert all(isinstance(c, str) for c in item["columns"])
        assert item["title"] and item["evidence"] and item["remedy"]


def test_advise_is_quiet_on_a_clean_run(wine_df: pd.DataFrame) -> None:
    # Wine, a scaled KNN and a balanced 3-class target: nothing to report but
    # the mild collinearity of the phenol measurements (VIF 7, info for KNN).
    data = supervised_input(wine_df, "target", "knn_classifier")
    assert codes(advise(data)) == ["multicollinearity"]
    assert advise(data)[0].severity == "info"


def test_advise_reads_catalog_defaults_when_params_are_missing(
    wine_df: pd.DataFrame,
) -> None:
    # Without params the run is taken to use svm_classifier's default scale=true.
    data = supervised_input(
        wine_df, "target", "svm_classifier", params={"scale": False}
    )
    assert "unscaled_features" in codes(advise(data))
    data.params = {}
    assert "unscaled_features" not in codes(advise(data))


def test_rules_catalog_has_unique_names() -> None:
    names = [rule.__name__ for rule in RULES]
    assert len(names) == len(set(names)) == 14
