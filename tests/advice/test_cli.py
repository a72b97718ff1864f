"""``loom runs show``: the advice block under the metrics table."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from loom.advice import advise
from loom.cli.runs import show_run
from loom.jobs.schemas import JobState
from loom.tracking.schemas import ExperimentPublic, RunPublic
from loom.training.options import TrainingOptions
from tests.advice.builders import supervised_input


def _run(details: dict[str, object], metrics: dict[str, float]) -> RunPublic:
    return RunPublic(
        id="run_1",
        name="knn on wine",
        experiment=ExperimentPublic(id="exp_1", name="Default"),
        state=JobState.SUCCEEDED,
        job_id="job_1",
        algorithm="knn_classifier",
        task="classification",
        params={"scale": False},
        dataset_id="ds_1",
        dataset_name="wine",
        dataset_version=1,
        target="target",
        features=None,
        seed=42,
        cv_folds=None,
        test_size=0.25,
        options=TrainingOptions(),
        metrics=metrics,
        cv_metrics=None,
        details=details,
        plots=[],
        input_schema=[],
        duration_s=0.4,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        finished_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_show_run_prints_each_finding_after_the_metrics(
    wine_df: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    data = supervised_input(
        wine_df, "target", "knn_classifier", params={"scale": False}
    )
    findings = advise(data)
    show_run(_run({"advice": [f.to_dict() for f in findings]}, data.metrics))
    out = capsys.readouterr().out
    assert out.index("METRIC") < out.index("\naccuracy ") < out.index("\nAdvice\n")
    first = findings[0]
    assert f"[{first.severity}] {first.title}\n    {first.evidence}\n" in out
    assert f"    What to do: {first.remedy}\n" in out
    assert out.count("\n[") == len(findings)


def test_show_run_prints_no_advice_block_without_findings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    show_run(_run({"advice": []}, {"accuracy": 0.9}))
    assert "Advice" not in capsys.readouterr().out
