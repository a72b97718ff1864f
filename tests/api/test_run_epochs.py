"""Live training over the API: per-epoch metrics stream in, and a stop keeps the model."""

from __future__ import annotations

import math
import time
from typing import Any

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from loom.cli.runs import follow_epochs
from loom.client import Client
from loom.client.base import LoomAPIError
from tests.fixtures.api import Api

pytestmark = pytest.mark.slow


@pytest.fixture
def cancer_frame() -> pd.DataFrame:
    """Breast cancer with plain column names and a 0/1 ``target``."""
    frame = load_breast_cancer(as_frame=True).frame
    return frame.rename(columns=lambda c: c.replace(" ", "_"))


def _first_epoch(api: Api, run_id: str, timeout_s: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        items = api.ok("GET", f"/runs/{run_id}/epochs")["items"]
        if items:
            return items[0]  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} wrote no epoch in {timeout_s}s")


def test_run_epochs_mlp_records_every_epoch_with_finite_losses(
    api: Api,
    sdk: Client,
    cancer_frame: pd.DataFrame,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api.import_csv("cancer", cancer_frame)
    run = sdk.runs.create(
        dataset="cancer",
        target="target",
        algorithm="mlp_classifier",
        params={"epochs": 15, "early_stopping": False},
        wait=False,
    )
    # What `loom runs show RUN --follow` prints: one line per epoch, then the run.
    capsys.readouterr()
    ended = follow_epochs(sdk, run.id, poll_s=0.1)
    assert ended.state.value == "succeeded", ended.error
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == ["epoch", "train_loss", "val_loss", "val_metric", "lr"]
    assert [int(line.split()[0]) for line in lines[1:]] == list(range(15))

    items = sdk.runs.epochs(run.id)
    assert [e.epoch for e in items] == list(range(15))
    for item in items:
        assert math.isfinite(item.metrics["train_loss"] or math.nan)
        assert (item.metrics["lr"] or 0) > 0
    assert (items[-1].metrics["train_loss"] or 0) < (
        items[0].metrics["train_loss"] or 0
    )
    assert [e.epoch for e in sdk.runs.epochs(run.id, after=11)] == [12, 13, 14]
    assert ended.stop_requested is False
    # A run that has ended cannot be stopped; another's run is not found.
    with pytest.raises(LoomAPIError) as conflict:
        sdk.runs.stop(run.id)
    assert conflict.value.status_code == 409
    assert api.call("GET", "/runs/run_missing/epochs").status_code == 404


def test_run_stop_ends_training_early_and_the_model_serves(
    api: Api, cancer_frame: pd.DataFrame
) -> None:
    api.import_csv("cancer", cancer_frame)
    run = api.ok(
        "POST",
        "/runs",
        json={
            "dataset": "cancer",
            "target": "target",
            "algorithm": "mlp_classifier",
            "params": {
                "epochs": 1000,
                "batch_size": 8,
                "early_stopping": True,
                "patience": 1000,
            },
        },
    )
    first = _first_epoch(api, run["id"])
    assert math.isfinite(first["metrics"]["val_loss"])
    stopped = api.call("POST", f"/runs/{run['id']}/stop")
    assert stopped.status_code == 202, stopped.text
    assert stopped.json()["stop_requested"] is True
    job = api.wait_job(run["job_id"], timeout_s=100)
    assert job["state"] == "succeeded", job
    done = api.ok("GET", f"/runs/{run['id']}")
    epochs = api.ok("GET", f"/runs/{run['id']}/epochs")["items"]
    assert 1 <= len(epochs) < 1000
    assert done["details"]["report"]["epochs_run"] == len(epochs)
    assert done["metrics"]["accuracy"] >= 0.8  # the best epoch's weights were kept

    api.ok("POST", "/models", json={"name": "cancer-mlp", "run_id": run["id"]})
    api.ok("POST", "/endpoints", json={"name": "cancer", "model": "cancer-mlp"})
    records = cancer_frame.drop(columns="target").head(5).to_dict(orient="records")
    online = api.ok("POST", "/endpoints/cancer/predict", json={"records": records})
    assert len(online["predictions"]) == 5


def test_train_hooks_reach_only_the_stored_model_fit(
    cancer_frame: pd.DataFrame,
) -> None:
    from loom.training.fitting import TrainingSpec, train

    seen: list[int] = []
    spec = TrainingSpec(
        algorithm="mlp_classifier",
        params={"epochs": 3},
        target="target",
        cv_folds=3,
    )
    outcome = train(cancer_frame, spec, on_epoch=lambda epoch, _m: seen.append(epoch))
    # Three folds train silently; only the refit on all rows streams its epochs.
    assert seen == [0, 1, 2]
    assert outcome.details["report"]["epochs_run"] == 3
