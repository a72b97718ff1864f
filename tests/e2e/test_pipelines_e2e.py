"""A pipeline from a YAML file through the CLI against a live server, then training."""

from __future__ import annotations

import pytest

from loom import Client
from loom.pipelines.builder import Encode, Impute, Pipeline, Scale, Select, Split
from tests.e2e.conftest import LiveServer
from tests.e2e.test_cli_sdk import loom, loom_json

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

YAML = """\
name: penguins-prep
nodes:
  - id: raw
    op: source
    params: {dataset: e2e-penguins}
  - id: impute
    op: impute
    params: {strategy: median, columns: [bill_length_mm, body_mass_g]}
    inputs: {input: raw}
  - id: keep
    op: select
    params: {columns: [species, island, bill_length_mm, body_mass_g]}
    inputs: {input: impute}
  - id: onehot
    op: encode
    params: {method: one_hot, columns: [island]}
    inputs: {input: keep}
  - id: scale
    op: scale
    params: {method: standard, columns: [bill_length_mm, body_mass_g]}
    inputs: {input: onehot}
  - id: split
    op: split
    params: {test_size: 0.25, seed: 3}
    inputs: {input: scale}
"""


def _builder() -> Pipeline:
    return (
        Pipeline("penguins-prep")
        .source("raw", dataset="e2e-penguins")
        .then(
            "impute",
            Impute(strategy="median", columns=["bill_length_mm", "body_mass_g"]),
        )
        .then(
            "keep",
            Select(columns=["species", "island", "bill_length_mm", "body_mass_g"]),
        )
        .then("onehot", Encode(method="one_hot", columns=["island"]))
        .then(
            "scale",
            Scale(method="standard", columns=["bill_length_mm", "body_mass_g"]),
        )
        .then("split", Split(test_size=0.25, seed=3))
    )


def test_yaml_pipeline_validate_quick_run_then_train(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from palmerpenguins import load_penguins

    live_server.data_dir.mkdir(parents=True, exist_ok=True)
    csv = live_server.data_dir / "e2e-penguins.csv"
    load_penguins().to_csv(csv, index=False)
    loom(live_server, "dataset", "import", str(csv), "--name", "e2e-penguins")
    spec_file = tmp_path_factory.mktemp("pipelines") / "prep.yaml"
    spec_file.write_text(YAML)

    assert "valid" in loom(live_server, "pipeline", "validate", str(spec_file)).stdout
    created = loom_json(live_server, "pipeline", "create", "prep", str(spec_file))
    assert created["version"] == 1
    assert loom_json(live_server, "pipeline", "validate", "prep")["valid"] is True

    quick = loom(live_server, "pipeline", "quick", "prep", "--rows", "50", "--random")
    assert "succeeded" in quick.stdout and "island_Dream" in quick.stdout
    nodes = loom_json(live_server, "pipeline", "quick", "prep", "--rows", "50")["nodes"]
    assert nodes["raw"]["rows"] == {"output": 50}
    assert len(nodes["scale"]["preview"]["output"]) == 20

    run = loom_json(
        live_server,
        "pipeline",
        "run",
        "prep",
        "--output",
        "split.train=e2e-penguins-train",
        "--output",
        "split.test=e2e-penguins-test",
    )
    assert run["state"] == "succeeded"
    assert run["outputs"]["split.train"] == {
        "dataset": "e2e-penguins-train",
        "version": 1,
    }
    text = loom(
        live_server,
        "pipeline",
        "run",
        "prep",
        "--output",
        "split.train=e2e-penguins-train",
    )
    assert "cached" in text.stdout
    history = loom_json(live_server, "pipeline", "runs", "prep")
    assert [r["id"] for r in history][1] == run["id"]
    dataset = loom_json(live_server, "dataset", "show", "e2e-penguins-train")
    assert dataset["latest_version"]["source"]["kind"] == "pipeline"

    trained = loom_json(
        live_server,
        "train",
        "--dataset",
        "e2e-penguins-train",
        "--target",
        "species",
        "--algorithm",
        "logistic_regression",
    )
    assert trained["state"] == "succeeded"
    assert trained["metrics"]["accuracy"] > 0.9

    # The same pipeline built with the SDK is the same stored spec: no new version.
    client = Client(live_server.url, live_server.token)
    from_sdk = client.pipelines.validate(_builder()).canonical_json
    assert from_sdk == client.pipelines.validate(YAML).canonical_json
    assert client.pipelines.update("prep", _builder()).version == 1
    result = client.pipelines.quick("prep", rows=40, mode="random", seed=2)
    assert result.status == "succeeded"
    assert "island_Dream" in result.nodes["onehot"].preview.columns
    assert len(result.nodes["split"].previews) == 2
    assert [r.id for r in client.pipelines.runs("prep")][1] == run["id"]
    client.close()
