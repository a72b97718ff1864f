"""The spine on PostgreSQL: the same import → train → serve flow with a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loom.api.app import create_app
from loom.core.config import Settings
from tests.fixtures.api import Api, admin_token

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def pg_api(fresh_postgres_db: str, _isolated_home: Path) -> Iterator[Api]:
    settings = Settings(
        home=_isolated_home, database_url=fresh_postgres_db, job_poll_interval_s=0.05
    )
    with TestClient(create_app(settings)) as client:
        yield Api(client=client, settings=settings, token=admin_token(settings))


def test_flow_on_postgres(pg_api: Api, iris_frame: Any) -> None:
    pg_api.import_csv("iris", iris_frame)
    run = pg_api.train(
        dataset="iris", target="species", algorithm="logistic_regression"
    )
    assert run["metrics"]["accuracy"] > 0.9
    pg_api.ok("POST", "/models", json={"name": "m", "run_id": run["id"]})
    pg_api.ok("POST", "/endpoints", json={"name": "ep", "model": "m"})
    record = iris_frame.drop(columns="species").iloc[[0]].to_dict(orient="records")
    assert pg_api.ok("POST", "/endpoints/ep/predict", json={"records": record})[
        "predictions"
    ] == ["setosa"]
    other = pg_api.new_workspace_token("other")
    assert pg_api.call("GET", f"/runs/{run['id']}", token=other).status_code == 404
