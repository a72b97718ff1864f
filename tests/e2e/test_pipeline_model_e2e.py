"""Pipeline → train → register → deploy: the endpoint takes raw rows (issue 4).

Online predictions on raw penguin rows (with nulls, without the target) equal
the offline pipeline output fed to the model, row for row; batch scoring of
the raw dataset gives the same numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loom import Client
from loom.client.base import LoomAPIError
from loom.pipelines.builder import Encode, Filter, Impute, Pipeline, Scale, Split
from loom.training.bundle import ModelBundle
from tests.e2e.conftest import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TARGET = "body_mass_g"
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]


def _pipeline() -> Pipeline:
    return (
        Pipeline("penguin-features")
        .source("raw", dataset="pm-penguins")
        .then("impute", Impute(strategy="median", columns=NUMERIC))
        .then("onehot", Encode(method="one_hot", columns=["species", "island", "sex"]))
        .then("scale", Scale(method="standard", columns=NUMERIC))
        .then("split", Split(test_size=0.25, seed=7))
    )


def _parquet(server: LiveServer, client: Client, dataset: str) -> pd.DataFrame:
    """A dataset's latest version, read from the server's artifact store."""
    found = client.datasets.get(dataset)
    assert found.latest_version is not None
    workspace = client.whoami().workspace.id
    path = (
        server.home
        / "artifacts"
        / f"workspaces/{workspace}/datasets/{found.id}"
        / found.latest_version.content_hash
        / "data.parquet"
    )
    return pd.read_parquet(path).sort_values("row_id").reset_index(drop=True)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Raw rows as a client sends them: nulls for NaN, no target, exact floats."""
    raw = frame.drop(columns=[TARGET])
    rows = raw.astype(object).where(raw.notna(), None).to_dict(orient="records")
    return json.loads(json.dumps(rows, default=lambda v: v.item()))


def test_served_pipeline_model_matches_offline_row_for_row(
    live_server: LiveServer,
) -> None:
    from palmerpenguins import load_penguins

    penguins = load_penguins()
    penguins.insert(0, "row_id", np.arange(len(penguins), dtype=np.int64))
    live_server.data_dir.mkdir(parents=True, exist_ok=True)
    csv = live_server.data_dir / "pm-penguins.csv"
    penguins.to_csv(csv, index=False)
    client = Client(live_server.url, live_server.token)
    client.datasets.import_file("pm-penguins", Path(csv))

    client.pipelines.create("penguin-features", _pipeline())
    outputs = {"split.train": "pm-train", "split.test": "pm-test"}
    run = client.pipelines.run("penguin-features", outputs=outputs)
    assert run.state == "succeeded", run.error
    train_rows = _parquet(live_server, client, "pm-train")
    features = [c for c in train_rows.columns if c not in (TARGET, "row_id")]
    assert "species_Gentoo" in features and "sex_female" in features

    trained = client.runs.create(
        dataset="pm-train",
        algorithm="random_forest_regressor",
        target=TARGET,
        params={"n_estimators": 50},
        features=features,
    )
    assert trained.state == "succeeded"
    assert [c["name"] for c in trained.input_schema] == [
        c for c in penguins.columns if c != TARGET
    ]
    logs = client.jobs.logs(trained.job_id)
    assert "pipeline 'penguin-features' v1" in logs and "in front of the model" in logs
    client.models.register("penguin-mass", trained.id)
    endpoint = client.endpoints.deploy("penguin-mass", "penguin-mass", version=1)
    assert TARGET not in {c["name"] for c in endpoint.input_schema}

    online = client.endpoints.predict("penguin-mass", _records(penguins)).predictions
    assert any(penguins[c].isna().any() for c in [*NUMERIC, "sex"])  # nulls sent

    # Offline: the pipeline's own output (train + test), fed to the same model.
    offline_rows = pd.concat(
        [train_rows, _parquet(live_server, client, "pm-test")]
    ).sort_values("row_id")
    workspace = client.whoami().workspace.id
    model_dir = live_server.home / "artifacts" / f"workspaces/{workspace}/runs"
    bundle = ModelBundle.load(model_dir / trained.id / "model")
    X = bundle.encoder.transform_frame(offline_rows)
    offline = bundle.estimator.predict(X).tolist()
    assert len(online) == len(offline) == len(penguins)
    assert online == offline  # bit for bit: the same SQL and state, the same model

    job = client.endpoints.batch_predict(
        model="penguin-mass", dataset="pm-penguins", output_name="pm-scored"
    )
    assert job.state == "succeeded", job.error
    assert "raw columns of pipeline 'penguin-features'" in client.jobs.logs(job.id)
    scored = _parquet(live_server, client, "pm-scored")
    assert scored["prediction"].tolist() == online

    # The pipeline's test split is already transformed: scored as features.
    job = client.endpoints.batch_predict(
        model="penguin-mass", dataset="pm-test", output_name="pm-test-scored"
    )
    assert job.state == "succeeded", job.error
    assert "written by pipeline 'penguin-features'" in client.jobs.logs(job.id)
    test_scored = _parquet(live_server, client, "pm-test-scored")
    by_id = dict(zip(penguins["row_id"], online, strict=True))
    want = [by_id[i] for i in test_scored["row_id"]]
    assert test_scored["prediction"].tolist() == want
    client.close()


def test_training_refuses_a_pipeline_that_drops_rows(live_server: LiveServer) -> None:
    from palmerpenguins import load_penguins

    live_server.data_dir.mkdir(parents=True, exist_ok=True)
    csv = live_server.data_dir / "pm-raw.csv"
    load_penguins().to_csv(csv, index=False)
    client = Client(live_server.url, live_server.token)
    client.datasets.import_file("pm-raw", Path(csv))
    dropping = (
        Pipeline("penguin-filtered")
        .source("raw", dataset="pm-raw")
        .then("f", Filter(condition="bill_length_mm > 40"))
        .then("onehot", Encode(method="one_hot", columns=["species", "island", "sex"]))
    )
    client.pipelines.create("penguin-filtered", dropping)
    run = client.pipelines.run("penguin-filtered", outputs={"onehot": "pm-filtered"})
    assert run.state == "succeeded", run.error
    with pytest.raises(LoomAPIError) as error:
        client.runs.create(
            dataset="pm-filtered", algorithm="random_forest_regressor", target=TARGET
        )
    assert (
        "node 'f' (filter) changes the row count; a served model needs "
        "row-preserving steps" in str(error.value)
    )
    client.close()
