"""The predict hot path serves cached models and tokens, refreshing them in the
background: changes made behind the server's back still take effect."""

from __future__ import annotations

import time
from typing import Any

import pytest

from loom.auth import service as auth_service
from loom.serving import service as serving_service
from loom.serving.schemas import EndpointUpdate
from tests.fixtures.api import Api

pytestmark = pytest.mark.slow


def _eventually(check: Any, timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


@pytest.fixture
def deployed(api: Api, iris_frame: Any) -> dict[str, Any]:
    api.import_csv("iris", iris_frame)
    for _ in range(2):
        run = api.train(
            dataset="iris", target="species", algorithm="logistic_regression"
        )
        api.ok("POST", "/models", json={"name": "m", "run_id": run["id"]})
    api.ok("POST", "/endpoints", json={"name": "ep", "model": "m", "version": 1})
    record = iris_frame.drop(columns="species").iloc[[0]].to_dict(orient="records")
    state = api.client.app.state.loom  # type: ignore[attr-defined]
    state.runtimes.revalidate_s = 0.0  # every call finds its runtime stale
    state.principals.ttl_s = 0.0
    with state.db.session() as session:
        workspace_id = auth_service.authenticate(session, api.token).workspace_id
    return {"body": {"records": record}, "state": state, "workspace_id": workspace_id}


def test_redeploy_behind_the_server_is_picked_up_in_the_background(
    api: Api, deployed: dict[str, Any]
) -> None:
    body, state = deployed["body"], deployed["state"]
    assert api.ok("POST", "/endpoints/ep/predict", json=body)["model_version"] == 1
    with state.db.session() as session:  # as another server process would
        serving_service.update_endpoint(
            session,
            workspace_id=deployed["workspace_id"],
            ref="ep",
            request=EndpointUpdate(version=2),
        )
    _eventually(
        lambda: api.ok("POST", "/endpoints/ep/predict", json=body)["model_version"] == 2
    )


def test_deleted_endpoint_stops_answering(api: Api, deployed: dict[str, Any]) -> None:
    body, state = deployed["body"], deployed["state"]
    assert api.call("POST", "/endpoints/ep/predict", json=body).status_code == 200
    with state.db.session() as session:
        serving_service.delete_endpoint(
            session, workspace_id=deployed["workspace_id"], ref="ep"
        )
    _eventually(
        lambda: api.call("POST", "/endpoints/ep/predict", json=body).status_code == 404
    )


def test_revoked_token_stops_working(api: Api, deployed: dict[str, Any]) -> None:
    body, state = deployed["body"], deployed["state"]
    token = api.ok("POST", "/endpoints/ep/tokens", json={"name": "client"})
    assert (
        api.call(
            "POST", "/endpoints/ep/predict", token=token["token"], json=body
        ).status_code
        == 200
    )
    with state.db.session() as session:
        auth_service.revoke_token(
            session, workspace_id=deployed["workspace_id"], token_id=token["id"]
        )
    _eventually(
        lambda: (
            api.call(
                "POST", "/endpoints/ep/predict", token=token["token"], json=body
            ).status_code
            == 401
        )
    )
