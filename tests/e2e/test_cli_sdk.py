"""The README flow against a live server: the CLI (as a subprocess) and the SDK."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from typing import Any

import pytest

from loom import Client
from loom.client import LoomAPIError
from tests.e2e.conftest import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def loom(
    server: LiveServer, *args: str, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "loom.cli.main", *args],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if ok:
        assert result.returncode == 0, f"loom {' '.join(args)}: {result.stderr}"
    return result


def loom_json(server: LiveServer, *args: str) -> Any:
    return json.loads(loom(server, *args, "--json").stdout)


def test_first_start_writes_private_credentials_and_demo_data(
    live_server: LiveServer,
) -> None:
    creds = live_server.home / "credentials"
    assert stat.S_IMODE(os.stat(creds).st_mode) == 0o600
    assert json.loads(creds.read_text())["token"] == live_server.token
    assert (live_server.data_dir / "iris.csv").exists()
    with open(live_server.home / "loom.db", "rb") as handle:
        assert handle.read(16).startswith(b"SQLite format 3")


def test_cli_flow_import_train_register_deploy_predict(live_server: LiveServer) -> None:
    dataset = loom_json(
        live_server,
        "dataset",
        "import",
        str(live_server.data_dir / "iris.csv"),
        "--name",
        "cli-iris",
    )
    assert dataset["latest_version"]["row_count"] == 150
    assert loom_json(live_server, "dataset", "preview", "cli-iris")["rows"]
    algorithms = {a["name"] for a in loom_json(live_server, "algorithms", "list")}
    assert {
        "linear_regression",
        "logistic_regression",
        "random_forest_classifier",
        "lightgbm_classifier",
        "kmeans",
    } <= algorithms
    run = loom_json(
        live_server,
        "train",
        "--dataset",
        "cli-iris",
        "--target",
        "species",
        "--algorithm",
        "random_forest_classifier",
        "--param",
        "n_estimators=30",
        "--cv",
        "3",
    )
    assert run["state"] == "succeeded" and run["metrics"]["accuracy"] > 0.9
    assert run["id"] in {r["id"] for r in loom_json(live_server, "runs", "list")}
    version = loom_json(
        live_server,
        "model",
        "register",
        "--run",
        run["id"],
        "--name",
        "cli-model",
        "--alias",
        "production",
    )
    assert version["aliases"] == ["production"]
    endpoint = loom_json(
        live_server, "deploy", "cli-model@production", "--name", "cli-ep"
    )
    assert endpoint["model_version"] == 1
    record = {
        "sepal_length": 5.1,
        "sepal_width": 3.5,
        "petal_length": 1.4,
        "petal_width": 0.2,
    }
    prediction = loom_json(
        live_server, "predict", "cli-ep", "--data", json.dumps(record)
    )
    assert prediction["predictions"] == ["setosa"]
    job = loom_json(
        live_server,
        "batch-predict",
        "cli-model:1",
        "--dataset",
        "cli-iris",
        "--output",
        "cli-scored",
    )
    assert job["state"] == "succeeded"
    assert loom_json(live_server, "jobs", "list")[0]["type"] in {
        "batch.predict",
        "dataset.import",
        "training.run",
    }
    human = loom(live_server, "runs", "show", run["id"]).stdout
    assert "accuracy" in human and "random_forest_classifier" in human


def test_cli_errors_are_one_line_and_exit_non_zero(live_server: LiveServer) -> None:
    result = loom(
        live_server, "train", "--dataset", "nope", "--algorithm", "kmeans", ok=False
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: dataset not found: nope"
    outside = loom(
        live_server, "dataset", "import", "/etc/passwd", "--format", "csv", ok=False
    )
    assert (
        outside.returncode == 1
        and "outside the configured data roots" in outside.stderr
    )
    env = {**live_server.env(), "LOOM_TOKEN": "loom_bad"}
    bad = subprocess.run(
        [sys.executable, "-m", "loom.cli.main", "dataset", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "invalid or revoked API token" in bad.stderr


def test_sdk_flow(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with Client(live_server.url, live_server.token) as client:
        assert client.whoami().workspace.name == "default"
        monkeypatch.chdir(live_server.home)  # a path relative to the caller's cwd
        ds = client.datasets.import_file("sdk-wine", "data/wine.csv")
        assert ds.latest_version is not None and ds.latest_version.row_count == 178
        run = client.runs.create(
            dataset="sdk-wine",
            target="cultivar",
            algorithm="lightgbm_classifier",
            params={"n_estimators": 30},
        )
        assert run.metrics["accuracy"] > 0.85
        assert client.runs.plot(run.id, "confusion_matrix.png").startswith(b"\x89PNG")
        client.models.register("sdk-wine", run.id)
        client.endpoints.deploy("sdk-wine", "sdk-wine", version=1)
        preview = client.datasets.preview("sdk-wine")
        records = [
            {k: v for k, v in row.items() if k != "cultivar"}
            for row in preview.rows[:5]
        ]
        result = client.endpoints.predict("sdk-wine", records)
        assert len(result.predictions) == 5 and result.model_version == 1
        with pytest.raises(LoomAPIError) as info:
            client.endpoints.predict("sdk-wine", [{"alcohol": 1.0}])
        assert info.value.status_code == 422 and "missing column" in info.value.detail
