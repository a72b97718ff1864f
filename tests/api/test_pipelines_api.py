"""The pipelines REST API on real data (palmerpenguins): validate, store, quick, run."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from loom.auth import service as auth_service
from loom.core.config import Settings
from loom.pipelines import FittedPipeline
from tests.api.helpers import register_frame
from tests.fixtures.api import Api

SPEC: dict[str, Any] = {
    "name": "prep",
    "nodes": [
        {"id": "raw", "op": "source", "params": {"dataset": "penguins"}},
        {
            "id": "imp",
            "op": "impute",
            "params": {
                "strategy": "median",
                "columns": ["bill_length_mm", "body_mass_g"],
            },
            "inputs": {"input": "raw"},
        },
        {
            "id": "keep",
            "op": "select",
            "params": {
                "columns": ["species", "island", "bill_length_mm", "body_mass_g"]
            },
            "inputs": {"input": "imp"},
        },
        {
            "id": "onehot",
            "op": "encode",
            "params": {"method": "one_hot", "columns": ["island"]},
            "inputs": {"input": "keep"},
        },
        {
            "id": "scaled",
            "op": "scale",
            "params": {"method": "standard", "columns": ["body_mass_g"]},
            "inputs": {"input": "onehot"},
        },
        {
            "id": "split",
            "op": "split",
            "params": {"test_size": 0.25, "seed": 7},
            "inputs": {"input": "scaled"},
        },
    ],
}
YAML = """
name: prep
nodes:
  - {id: raw, op: source, params: {dataset: penguins}}
  - id: keep
    op: select
    params: {columns: [species, island, body_mass_g]}
    inputs: {input: raw}
"""


@pytest.fixture
def settings(_isolated_home: Path) -> Settings:
    """No background scheduler: these tests drive everything themselves."""
    return Settings(
        home=_isolated_home, job_poll_interval_s=0.05, scheduler_enabled=False
    )


@pytest.fixture
def penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


def _spec(**changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    for node in spec["nodes"]:
        node["params"].update(changes.get(node["id"], {}))
    return spec


def _issues(api: Api, spec: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    report = api.ok("POST", "/pipelines/validate", json={"spec": spec, **extra})
    assert report["valid"] is False
    return report["issues"]  # type: ignore[no-any-return]


def test_validate_names_node_and_column_for_each_issue_class(
    api_no_jobs: Api, penguins: pd.DataFrame
) -> None:
    api = api_no_jobs
    register_frame(api, "penguins", penguins)
    report = api.ok("POST", "/pipelines/validate", json={"spec": SPEC})
    assert report["valid"] is True and report["issues"] == []
    assert {"name": "island_Biscoe", "type": "number"} not in report["schemas"]["raw"][
        "output"
    ]
    assert {"name": "species", "type": "string"} in report["schemas"]["keep"]["output"]
    assert set(report["schemas"]["split"]) == {"train", "test"}
    assert json.loads(report["canonical_json"])["nodes"][0]["id"] == "raw"

    missing = _issues(api, _spec(keep={"columns": ["species", "flipper"]}))
    assert (missing[0]["code"], missing[0]["node"], missing[0]["column"]) == (
        "missing_column",
        "keep",
        "flipper",
    )
    wrong = _issues(api, _spec(scaled={"columns": ["species"]}))
    assert (wrong[0]["code"], wrong[0]["node"], wrong[0]["column"]) == (
        "type_mismatch",
        "scaled",
        "species",
    )
    bad = _issues(api, _spec(imp={"strategy": "mode"}))
    assert (bad[0]["code"], bad[0]["node"]) == ("bad_params", "imp")
    assert "strategy" in bad[0]["message"]
    cyclic = copy.deepcopy(SPEC)
    cyclic["nodes"][1]["inputs"] = {"input": "split.train"}
    assert _issues(api, cyclic)[0]["code"] == "cycle"
    unknown = copy.deepcopy(SPEC)
    unknown["nodes"][2]["op"] = "selekt"
    assert (_issues(api, unknown)[0]["code"], _issues(api, unknown)[0]["node"]) == (
        "unknown_op",
        "keep",
    )
    unwired = copy.deepcopy(SPEC)
    unwired["nodes"][3]["inputs"] = {}
    first = _issues(api, unwired)[0]
    assert (first["code"], first["node"], first["port"]) == (
        "missing_input",
        "onehot",
        "input",
    )
    sql = copy.deepcopy(SPEC)
    sql["nodes"].append(
        {
            "id": "q",
            "op": "sql",
            "params": {"query": "SELECT * FROM input WHERE year = ${year}"},
            "inputs": {"input": "raw"},
        }
    )
    undefined = _issues(api, sql)[0]
    assert (undefined["code"], undefined["variable"]) == ("undefined_variable", "year")
    fine = api.ok(
        "POST", "/pipelines/validate", json={"spec": sql, "variables": {"year": 2008}}
    )
    assert fine["valid"] is True

    from_yaml = api.ok("POST", "/pipelines/validate", json={"yaml": YAML})
    assert from_yaml["valid"] is True
    broken = api.ok("POST", "/pipelines/validate", json={"yaml": "name: [x"})
    assert broken["issues"][0]["code"] == "invalid_spec"
    assert "line" in broken["issues"][0]["message"]

    # Another workspace's dataset does not exist for this one.
    other = api.new_workspace_token("elsewhere")
    response = api.call("POST", "/pipelines/validate", token=other, json={"spec": SPEC})
    issue = response.json()["issues"][0]
    assert (issue["code"], issue["node"]) == ("missing_source", "raw")


def test_bad_specs_are_refused_and_change_nothing(
    api_no_jobs: Api, penguins: pd.DataFrame
) -> None:
    api = api_no_jobs
    register_frame(api, "penguins", penguins)
    response = api.call(
        "POST",
        "/pipelines",
        json={"name": "prep", "spec": _spec(scaled={"columns": ["species"]})},
    )
    assert response.status_code == 422
    body = response.json()
    assert "'scaled'" in body["detail"] and "species" in body["detail"]
    assert body["details"]["issues"][0]["column"] == "species"
    assert api.ok("GET", "/pipelines")["total"] == 0

    created = api.ok("POST", "/pipelines", json={"name": "prep", "spec": SPEC})
    assert (
        api.call("POST", "/pipelines", json={"name": "prep", "spec": SPEC}).status_code
        == 409
    )
    refused = api.call(
        "PUT", "/pipelines/prep", json={"spec": _spec(keep={"columns": ["nope"]})}
    )
    assert refused.status_code == 422
    after = api.ok("GET", "/pipelines/prep")
    assert (after["version"], after["spec_hash"]) == (1, created["spec_hash"])
    both = api.call(
        "POST", "/pipelines", json={"name": "x", "spec": SPEC, "yaml": YAML}
    )
    assert both.status_code == 422
    no_output = api.call("POST", "/pipelines/prep/runs", json={"outputs": {}})
    assert no_output.status_code == 422
    wrong_port = api.call(
        "POST", "/pipelines/prep/runs", json={"outputs": {"split": "out"}}
    )
    assert (
        wrong_port.status_code == 422 and "split.<port>" in wrong_port.json()["detail"]
    )
    bad_cron = api.call(
        "PUT",
        "/pipelines/prep/schedule",
        json={"cron": "0 25 * * *", "outputs": {"split.train": "t"}},
    )
    assert bad_cron.status_code == 422 and "hour" in bad_cron.json()["detail"]
    bad_hook = api.call(
        "PUT",
        "/pipelines/prep/schedule",
        json={
            "cron": "0 2 * * *",
            "outputs": {"split.train": "t"},
            "alerts": {"webhook_url": "file:///etc/passwd"},
        },
    )
    assert bad_hook.status_code == 422
    assert api.ok("GET", "/pipelines/prep")["schedule"] is None
    assert api.ok("GET", "/jobs")["total"] == 0


def test_create_update_versions_and_quick_previews(
    api_no_jobs: Api, penguins: pd.DataFrame
) -> None:
    api = api_no_jobs
    register_frame(api, "penguins", penguins)
    created = api.ok(
        "POST", "/pipelines", json={"name": "prep", "spec": SPEC, "description": "d"}
    )
    assert created["version"] == 1 and created["last_run"] is None
    assert created["spec"]["nodes"][1]["inputs"] == {"input": "raw.output"}
    same = api.ok("PUT", "/pipelines/prep", json={"spec": SPEC})
    assert (same["version"], same["spec_hash"]) == (1, created["spec_hash"])
    changed = api.ok(
        "PUT", "/pipelines/prep", json={"spec": _spec(split={"test_size": 0.3})}
    )
    assert changed["version"] == 2 and changed["spec_hash"] != created["spec_hash"]
    assert (
        api.ok("GET", "/pipelines/prep", params={"version": 1})["spec_hash"]
        == (created["spec_hash"])
    )
    assert api.call("GET", "/pipelines/prep", params={"version": 9}).status_code == 404
    assert [p["name"] for p in api.ok("GET", "/pipelines")["items"]] == ["prep"]

    result = api.ok(
        "POST", "/pipelines/prep/quick", json={"sample": {"mode": "head", "rows": 40}}
    )
    assert result["mode"] == "quick" and result["status"] == "succeeded"
    assert list(result["nodes"]) == ["raw", "imp", "keep", "onehot", "scaled", "split"]
    assert result["nodes"]["raw"]["rows"] == {"output": 40}
    scaled = result["nodes"]["scaled"]
    assert scaled["status"] == "succeeded" and scaled["duration_s"] >= 0
    assert scaled["log"]
    first = scaled["preview"]["output"][0]
    assert {"island_Torgersen", "body_mass_g"} <= set(first)
    assert sum(result["nodes"]["split"]["rows"].values()) == 40
    assert (
        api.call(
            "POST", "/pipelines/prep/quick", json={"sample": {"rows": 20000}}
        ).status_code
        == 422
    )
    random = api.ok(
        "POST",
        "/pipelines/prep/quick",
        json={"sample": {"mode": "random", "rows": 30, "seed": 1}},
    )
    assert random["nodes"]["raw"]["rows"] == {"output": 30}
    assert random["nodes"]["raw"]["preview"] != result["nodes"]["raw"]["preview"]

    ops = api.ok("GET", "/pipeline-operators")
    by_name = {op["name"]: op for op in ops}
    assert {"source", "sql", "impute", "encode", "split"} <= set(by_name)
    assert by_name["split"]["outputs"] == ["train", "test"]
    api.ok("DELETE", "/pipelines/prep")
    assert api.call("GET", "/pipelines/prep").status_code == 404


@pytest.mark.slow
def test_full_run_registers_outputs_with_lineage_caches_and_trains(
    api: Api, penguins: pd.DataFrame
) -> None:
    register_frame(api, "penguins", penguins)
    api.ok("POST", "/pipelines", json={"name": "prep", "spec": SPEC})
    outputs = {"split.train": "penguins_train", "split.test": "penguins_test"}
    run = api.ok("POST", "/pipelines/prep/runs", json={"outputs": outputs})
    assert run["state"] == "queued" and run["trigger"] == "manual"
    assert api.wait_job(run["job_id"])["state"] == "succeeded"
    done = api.ok("GET", f"/pipeline-runs/{run['id']}")
    assert done["state"] == "succeeded" and done["finished_at"]
    assert {n["status"] for n in done["nodes"].values()} == {"succeeded"}
    assert done["outputs"] == {
        "split.train": {"dataset": "penguins_train", "version": 1},
        "split.test": {"dataset": "penguins_test", "version": 1},
    }
    train = api.ok("GET", "/datasets/penguins_train")["latest_version"]
    test = api.ok("GET", "/datasets/penguins_test")["latest_version"]
    assert train["row_count"] + test["row_count"] == len(penguins)
    source = train["source"]
    assert source["kind"] == "pipeline"
    assert (source["pipeline"], source["version"], source["run_id"]) == (
        "prep",
        1,
        run["id"],
    )
    assert source["output"] == "split.train"
    assert source["inputs"] == {"penguins": {"dataset": "penguins", "version": 1}}
    assert source["fitted_artifact"].endswith(
        f"/pipeline_runs/{run['id']}/fitted/split.train.json"
    )
    state = api.client.app.state.loom  # type: ignore[attr-defined]
    fitted = FittedPipeline.from_dict(
        json.loads(state.artifacts.read_bytes(source["fitted_artifact"]))
    )
    raw = penguins.head(3).astype(object).where(penguins.head(3).notna(), None)
    rows = fitted.transform_records(raw.to_dict("records"))
    assert {"island_Biscoe", "body_mass_g"} <= set(rows[0])
    logs = api.call("GET", f"/jobs/{run['job_id']}/logs").text
    assert "[imp]" in logs and "registered split.train" in logs

    again = api.ok("POST", "/pipelines/prep/runs", json={"outputs": outputs})
    assert api.wait_job(again["job_id"])["state"] == "succeeded"
    cached = api.ok("GET", f"/pipeline-runs/{again['id']}")
    assert all(n["cached"] for n in cached["nodes"].values()), cached["nodes"]
    assert cached["outputs"]["split.train"]["version"] == 1
    history = api.ok("GET", "/pipeline-runs", params={"pipeline": "prep"})
    assert [r["id"] for r in history["items"]] == [again["id"], run["id"]]
    assert api.ok("GET", "/pipelines/prep")["last_run"]["id"] == again["id"]

    trained = api.train(
        dataset="penguins_train", target="species", algorithm="logistic_regression"
    )
    assert trained["metrics"]["accuracy"] > 0.9


SLOW: dict[str, Any] = {
    "name": "slow",
    "nodes": [
        {"id": "raw", "op": "source", "params": {"dataset": "penguins"}},
        {
            "id": "slow",
            "op": "python",
            "params": {
                "function": "tests.pipelines.udfs:slow_species",
                "output_schema": [
                    {"name": "species", "type": "string"},
                    {"name": "body_mass_g", "type": "number"},
                ],
                "batch_rows": 100,
            },
            "inputs": {"input": "raw"},
        },
        {
            "id": "imp",
            "op": "impute",
            "params": {"strategy": "median", "columns": ["body_mass_g"]},
            "inputs": {"input": "slow"},
        },
    ],
}


def test_full_run_reports_each_node_status_while_it_runs(
    api: Api, penguins: pd.DataFrame
) -> None:
    register_frame(api, "penguins", penguins)
    api.ok("POST", "/pipelines", json={"name": "slow", "spec": SLOW})
    run = api.ok("POST", "/pipelines/slow/runs", json={"outputs": {"imp": "slowed"}})
    seen: list[dict[str, str]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        nodes = api.ok("GET", f"/pipeline-runs/{run['id']}/nodes")
        seen.append({k: v["status"] for k, v in nodes.items()})
        if api.ok("GET", f"/jobs/{run['job_id']}")["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    assert {"raw": "succeeded", "slow": "running", "imp": "queued"} in seen, seen
    done = api.ok("GET", f"/pipeline-runs/{run['id']}")
    assert done["state"] == "succeeded"
    slow = done["nodes"]["slow"]
    assert slow["status"] == "succeeded" and slow["started_at"] < slow["finished_at"]
    assert slow["duration_s"] > 0 and slow["rows"] == {"output": len(penguins)}
    assert any("rows" in line for line in done["nodes"]["imp"]["log"])


def test_pipelines_are_private_to_their_workspace_and_need_a_full_token(
    api_no_jobs: Api, penguins: pd.DataFrame
) -> None:
    api = api_no_jobs
    register_frame(api, "penguins", penguins)
    api.ok("POST", "/pipelines", json={"name": "prep", "spec": SPEC})
    run = api.ok("POST", "/pipelines/prep/runs", json={"outputs": {"split.train": "t"}})
    assert run["state"] == "queued"
    assert {n["status"] for n in run["nodes"].values()} == {"queued"}
    assert set(run["nodes"]) == {n["id"] for n in SPEC["nodes"]}
    other = api.new_workspace_token("elsewhere")
    for method, path, body in [
        ("GET", "/pipelines/prep", None),
        ("PUT", "/pipelines/prep", {"description": "mine now"}),
        ("POST", "/pipelines/prep/quick", {}),
        ("POST", "/pipelines/prep/runs", {"outputs": {"split.train": "t"}}),
        ("PUT", "/pipelines/prep/schedule", {"cron": "0 2 * * *"}),
        ("DELETE", "/pipelines/prep/schedule", None),
        ("DELETE", "/pipelines/prep", None),
        ("GET", f"/pipeline-runs/{run['id']}", None),
        ("GET", "/pipeline-runs?pipeline=prep", None),
    ]:
        response = api.call(method, path, token=other, json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert api.call("GET", "/pipelines", token=other).json()["total"] == 0
    assert api.call("GET", "/pipeline-runs", token=other).json()["total"] == 0
    # The name is free in the other workspace.
    assert (
        api.call(
            "POST", "/pipelines/validate", token=other, json={"spec": SPEC}
        ).status_code
        == 200
    )

    state = api.client.app.state.loom  # type: ignore[attr-defined]
    with state.db.session() as session:
        ws = auth_service.authenticate(session, api.token).workspace_id
        endpoint_token = auth_service.issue_token(
            session, workspace_id=ws, name="ep", scope="endpoint"
        ).token
    for method, path in [
        ("GET", "/pipeline-operators"),
        ("GET", "/pipelines"),
        ("GET", "/pipelines/prep"),
        ("POST", "/pipelines/prep/quick"),
        ("GET", f"/pipeline-runs/{run['id']}"),
    ]:
        response = api.call(method, path, token=endpoint_token, json={})
        assert response.status_code == 403, (method, path)
    assert api.client.get("/api/v1/pipelines").status_code == 401
