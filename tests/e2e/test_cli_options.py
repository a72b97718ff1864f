"""Training options and advice through the CLI and the SDK against a live server."""

from __future__ import annotations

import pytest

from loom import Client
from loom.client import LoomAPIError
from tests.e2e.conftest import LiveServer
from tests.e2e.test_cli_sdk import loom, loom_json

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# ``loom train`` on the wine dataset this module imports; each call adds its algorithm.
TRAIN_WINE = ("train", "-d", "cli-wine", "-t", "cultivar")


def test_cli_options_reach_the_run_and_advice_is_printed(
    live_server: LiveServer,
) -> None:
    loom(
        live_server,
        "dataset",
        "import",
        str(live_server.data_dir / "wine.csv"),
        "--name",
        "cli-wine",
    )
    run = loom_json(
        live_server,
        *TRAIN_WINE,
        *("-a", "knn_classifier"),
        "-p",
        "scale=false",
        "--select",
        "mutual_info",
        "--select-k",
        "6",
        "--validation-curve",
        "n_neighbors=1,5,15",
    )
    assert run["state"] == "succeeded"
    assert run["options"]["feature_selection"] == {
        "method": "mutual_info",
        "k": 6,
        "threshold": None,
    }
    assert run["details"]["validation_curve"]["values"] == [1, 5, 15]
    codes = {finding["code"] for finding in run["details"]["advice"]}
    assert "unscaled_features" in codes
    shown = loom(live_server, "runs", "show", run["id"]).stdout
    assert "Advice" in shown and "--standardize" in shown
    bad = loom(
        live_server,
        *TRAIN_WINE,
        *("-a", "knn_classifier"),
        "--class-weight",
        "balanced",
        ok=False,
    )
    assert bad.returncode != 0
    assert "'knn_classifier' does not" in bad.stderr
    picked = loom_json(
        live_server,
        *TRAIN_WINE,
        *("-a", "gaussian_nb"),
        "--features",
        "alcohol,total_*",
    )
    assert picked["features"] == ["alcohol", "total_phenols"]
    unmatched = loom(
        live_server,
        *TRAIN_WINE,
        *("-a", "gaussian_nb"),
        *("--features", "colour_*"),
        ok=False,
    )
    assert unmatched.returncode == 1
    assert "'colour_*' matches no column" in unmatched.stderr


def test_sdk_tuned_threshold_is_applied_by_the_endpoint(
    live_server: LiveServer,
) -> None:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    frame.to_csv(live_server.data_dir / "cancer.csv", index=False)
    with Client(live_server.url, live_server.token) as client:
        client.datasets.import_file("sdk-cancer", live_server.data_dir / "cancer.csv")
        with pytest.raises(LoomAPIError, match="'nope' not found"):
            client.runs.create(
                dataset="sdk-cancer",
                target="target",
                algorithm="logistic_regression",
                options={"group_column": "nope"},
            )
        run = client.runs.create(
            dataset="sdk-cancer",
            target="target",
            algorithm="logistic_regression",
            options={"threshold": "cost", "cost_ratio": 25.0},
        )
        threshold = run.details["threshold"]["value"]
        assert 0 < threshold < 0.5  # missing a positive costs 25x: flag sooner
        client.models.register("sdk-cancer", run.id)
        client.endpoints.deploy("sdk-cancer", "sdk-cancer", version=1)
        rows = frame.drop(columns="target").head(40).to_dict("records")
        answer = client.endpoints.predict("sdk-cancer", rows)
    assert answer.probabilities is not None
    expected = [1 if p["1"] >= threshold else 0 for p in answer.probabilities]
    assert answer.predictions == expected
