"""Walks every route: each needs a token, and each {id} route hides other workspaces."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.fixtures.api import Api

PUBLIC = {"/api/v1/health"}
GLOBAL = {"/api/v1/algorithms/{name}"}  # the catalog is the same for every workspace


def _api_routes(api: Api) -> list[tuple[str, str]]:
    """Every (method, path) of the API, from the OpenAPI document the app serves."""
    paths = api.client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/v1")
        for method in sorted(operations)
    ]


def test_every_route_but_health_needs_a_token(api_no_jobs: Api) -> None:
    routes = _api_routes(api_no_jobs)
    assert len(routes) > 25
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", "x", path)
        response = api_no_jobs.client.request(method, url)
        if path in PUBLIC:
            assert response.status_code == 200
            continue
        assert response.status_code == 401, (
            f"{method} {path} answered {response.status_code} without a token"
        )
        assert response.json()["code"] == "unauthenticated"
        bad = api_no_jobs.client.request(
            method, url, headers={"Authorization": "Bearer loom_wrong"}
        )
        assert bad.status_code == 401, f"{method} {path} accepted a wrong token"


@pytest.mark.slow
def test_other_workspace_objects_answer_404(api: Api, iris_frame: Any) -> None:
    dataset = api.import_csv("iris", iris_frame)
    run = api.train(dataset="iris", target="species", algorithm="logistic_regression")
    api.ok("POST", "/models", json={"name": "m", "run_id": run["id"]})
    api.ok("POST", "/endpoints", json={"name": "ep", "model": "m"})
    api.ok("PUT", "/models/m/aliases/production", json={"version": 1})
    api.ok("POST", "/collections", json={"name": "vc", "dim": 4})
    values = {
        "name": "vc",
        "dataset": dataset["id"],
        "job_id": run["job_id"],
        "run_id": run["id"],
        "filename": run["plots"][0],
        "model": "m",
        "version": "1",
        "alias": "production",
        "endpoint": "ep",
        "token_id": "tok_x",
        "pipeline": api.ok(
            "POST",
            "/pipelines",
            json={
                "name": "p",
                "spec": {
                    "nodes": [
                        {"id": "raw", "op": "source", "params": {"dataset": "iris"}}
                    ]
                },
            },
        )["name"],
        "pipeline_run_id": api.ok(
            "POST", "/pipelines/p/runs", json={"outputs": {"raw.output": "iris_p"}}
        )["id"],
    }
    other = api.new_workspace_token("elsewhere")
    bodies = {
        "/endpoints/{endpoint}/predict": {
            "records": [dict(iris_frame.drop(columns="species").iloc[0])]
        }
    }
    checked = 0
    for method, path in _api_routes(api):
        if "{" not in path or path in GLOBAL:
            continue
        url = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)
        url = url.removeprefix("/api/v1")
        body = bodies.get(
            path, {"version": 1} if method in ("PUT", "PATCH") else {"name": "x"}
        )
        response = api.call(
            method, url, token=other, json=body if method != "GET" else None
        )
        assert response.status_code == 404, (
            f"{method} {path} leaked: {response.status_code} {response.text}"
        )
        mine = api.call("GET", url) if method == "GET" else None
        if mine is not None:
            assert mine.status_code == 200, (
                f"{method} {path} for the owner: {mine.status_code}"
            )
        checked += 1
    assert checked >= 15
    # The same names in the other workspace are free to use and independent.
    assert api.call("GET", "/datasets", token=other).json()["total"] == 0
