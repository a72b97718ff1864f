"""The spine end to end over the API: import → train → register → deploy → predict."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.fixtures.api import Api

pytestmark = pytest.mark.slow


def _features(frame: Any) -> list[dict[str, Any]]:
    return frame.drop(columns="species").to_dict(orient="records")  # type: ignore[no-any-return]


def test_csv_to_authenticated_prediction_matches_offline(
    api: Api, iris_frame: Any
) -> None:
    dataset = api.import_csv("iris", iris_frame)
    version = dataset["latest_version"]
    assert version["row_count"] == 150 and version["version"] == 1
    assert {c["name"] for c in version["columns"]} == set(iris_frame.columns)

    run = api.train(
        dataset="iris",
        target="species",
        algorithm="random_forest_classifier",
        params={"n_estimators": 50},
        cv_folds=3,
        seed=7,
    )
    assert run["state"] == "succeeded"
    assert run["metrics"]["accuracy"] >= 0.9
    assert len(run["cv_metrics"]["accuracy"]) == 3
    assert "confusion_matrix.png" in run["plots"]
    png = api.call("GET", f"/runs/{run['id']}/plots/confusion_matrix.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")

    version = api.ok("POST", "/models", json={"name": "iris-rf", "run_id": run["id"]})
    assert version["version"] == 1 and version["run_id"] == run["id"]
    assert [c["name"] for c in version["input_schema"]] == [
        c for c in iris_frame.columns if c != "species"
    ]
    api.ok("PUT", "/models/iris-rf/aliases/production", json={"version": 1})
    endpoint = api.ok(
        "POST",
        "/endpoints",
        json={"name": "iris", "model": "iris-rf", "alias": "production"},
    )
    assert endpoint["model_version"] == 1

    records = _features(iris_frame)
    online = api.ok("POST", "/endpoints/iris/predict", json={"records": records})
    assert len(online["predictions"]) == 150
    assert set(online["probabilities"][0]) == {"setosa", "versicolor", "virginica"}

    # Offline: the stored model, loaded straight from the artifact store.
    from loom.training.bundle import ModelBundle

    state = api.client.app.state.loom  # type: ignore[attr-defined]
    with state.artifacts.local_path(
        f"workspaces/{api.ok('GET', '/whoami')['workspace']['id']}/runs/{run['id']}/model"
    ) as path:
        bundle = ModelBundle.load(path)
    offline_pred, offline_proba = bundle.predict_frame(
        iris_frame.drop(columns="species")
    )
    assert list(online["predictions"]) == list(offline_pred)
    np.testing.assert_allclose(
        [[p[k] for k in sorted(p)] for p in online["probabilities"]],
        [[p[k] for k in sorted(p)] for p in offline_proba],
    )

    # Batch scoring writes a new dataset with the same predictions.
    job = api.ok(
        "POST",
        "/batch-predictions",
        json={
            "model": "iris-rf",
            "alias": "production",
            "dataset": "iris",
            "output_name": "iris-scored",
        },
    )
    assert api.wait_job(job["id"])["state"] == "succeeded"
    scored = api.ok("GET", "/datasets/iris-scored")
    assert scored["latest_version"]["row_count"] == 150
    assert "prediction" in {c["name"] for c in scored["latest_version"]["columns"]}


def test_runs_are_reproducible_and_comparable(api: Api, iris_frame: Any) -> None:
    api.import_csv("iris", iris_frame)
    body = {
        "dataset": "iris",
        "target": "species",
        "algorithm": "lightgbm_classifier",
        "params": {"n_estimators": 20},
        "seed": 3,
    }
    first, second = api.train(**body), api.train(**body)
    assert first["metrics"] == second["metrics"]
    other = api.train(dataset="iris", target="species", algorithm="logistic_regression")
    comparison = api.ok("GET", f"/runs/compare?ids={first['id']},{other['id']}")
    assert [r["id"] for r in comparison["runs"]] == [first["id"], other["id"]]
    assert "accuracy" in comparison["metric_names"]
    assert "n_estimators" in comparison["param_names"]
    assert api.ok("GET", "/experiments")["items"][0]["run_count"] == 3


def test_regression_and_clustering_runs(api: Api) -> None:
    from sklearn.datasets import load_diabetes

    api.import_csv("diabetes", load_diabetes(as_frame=True).frame)
    reg = api.train(dataset="diabetes", target="target", algorithm="linear_regression")
    assert reg["metrics"]["r2"] > 0.3 and {"rmse", "mae"} <= set(reg["metrics"])
    assert "residuals.png" in reg["plots"]
    clu = api.train(dataset="diabetes", algorithm="kmeans", params={"n_clusters": 3})
    assert {"silhouette", "davies_bouldin"} <= set(clu["metrics"])


def test_predict_rejects_unknown_and_missing_columns_with_422(
    api: Api, iris_frame: Any
) -> None:
    api.import_csv("iris", iris_frame)
    run = api.train(dataset="iris", target="species", algorithm="logistic_regression")
    api.ok("POST", "/models", json={"name": "m", "run_id": run["id"]})
    api.ok("POST", "/endpoints", json={"name": "ep", "model": "m", "version": 1})
    record = _features(iris_frame)[0]
    missing = {k: v for k, v in record.items() if k != "petal_width"}
    response = api.call("POST", "/endpoints/ep/predict", json={"records": [missing]})
    assert response.status_code == 422 and "petal_width" in response.json()["detail"]
    mistyped = {**record, "sepal_length": "long"}
    response = api.call("POST", "/endpoints/ep/predict", json={"records": [mistyped]})
    assert response.status_code == 422 and "sepal_length" in response.json()["detail"]
    response = api.call("POST", "/endpoints/ep/predict", json={"rows": [record]})
    assert response.status_code == 422 and "records" in response.json()["detail"]
    response = api.call("POST", "/endpoints/ep/predict", content=b"{not json")
    assert response.status_code == 422


def test_endpoint_tokens_can_only_predict_on_their_endpoint(
    api: Api, iris_frame: Any
) -> None:
    api.import_csv("iris", iris_frame)
    run = api.train(dataset="iris", target="species", algorithm="logistic_regression")
    api.ok("POST", "/models", json={"name": "m", "run_id": run["id"]})
    api.ok("POST", "/endpoints", json={"name": "a", "model": "m"})
    api.ok("POST", "/endpoints", json={"name": "b", "model": "m"})
    token = api.ok("POST", "/endpoints/a/tokens", json={"name": "client"})["token"]
    body = {"records": _features(iris_frame)[:2]}
    assert (
        api.call("POST", "/endpoints/a/predict", token=token, json=body).status_code
        == 200
    )
    assert (
        api.call("POST", "/endpoints/b/predict", token=token, json=body).status_code
        == 404
    )
    assert api.call("GET", "/datasets", token=token).status_code == 403
    assert api.call("GET", "/endpoints/a", token=token).status_code == 403


def test_bad_training_requests_are_refused_before_any_job(
    api_no_jobs: Api, iris_frame: Any
) -> None:
    api = api_no_jobs
    api.data_dir.mkdir(parents=True, exist_ok=True)
    # A dataset version is needed for validation; register one without running jobs.
    from tests.api.helpers import register_frame

    register_frame(api, "iris", iris_frame)
    cases = [
        (
            {"algorithm": "deep_magic", "target": "species"},
            "unknown algorithm 'deep_magic'; choose one of",
        ),
        (
            {
                "algorithm": "random_forest_classifier",
                "target": "species",
                "params": {"n_estimators": 0},
            },
            "n_estimators",
        ),
        (
            {
                "algorithm": "random_forest_classifier",
                "target": "species",
                "params": {"bogus": 1},
            },
            "bogus",
        ),
        (
            {"algorithm": "random_forest_classifier", "target": "kind"},
            "target column 'kind' does not exist",
        ),
        ({"algorithm": "random_forest_classifier"}, "needs a target column"),
        (
            {
                "algorithm": "random_forest_classifier",
                "target": "species",
                "cv_folds": 1,
            },
            "cv_folds",
        ),
        (
            {
                "algorithm": "logistic_regression",
                "target": "species",
                "options": {"group_column": "plot"},
            },
            "group_column 'plot' not found",
        ),
        (
            {"algorithm": "kmeans", "options": {"threshold": "f1"}},
            "option 'threshold' does not apply to clustering",
        ),
        (
            {
                "algorithm": "knn_classifier",
                "target": "species",
                "options": {"class_weight": "balanced"},
            },
            "'knn_classifier' does not",
        ),
        (
            {
                "algorithm": "logistic_regression",
                "target": "species",
                "options": {"resampling": "magic"},
            },
            "resampling",
        ),
    ]
    for extra, message in cases:
        response = api.call("POST", "/runs", json={"dataset": "iris", **extra})
        assert response.status_code == 422, (extra, response.text)
        assert message in response.json()["detail"], response.json()["detail"]
    assert api.ok("GET", "/jobs")["total"] == 0
    assert api.ok("GET", "/runs")["total"] == 0


def test_run_options_round_trip_and_reach_the_model(api: Api) -> None:
    from sklearn.datasets import load_breast_cancer

    api.import_csv("cancer", load_breast_cancer(as_frame=True).frame)
    options = {
        "standardize": True,
        "threshold": "f1",
        "feature_selection": {"method": "tree_importance", "k": 8},
    }
    run = api.train(
        dataset="cancer",
        target="target",
        algorithm="logistic_regression",
        options=options,
    )
    assert run["state"] == "succeeded", run["error"]
    assert run["options"]["standardize"] is True
    assert run["options"]["feature_selection"]["k"] == 8
    assert run["options"]["class_weight"] is None  # defaults are filled in
    assert len(run["details"]["feature_selection"]["selected"]) == 8
    assert 0 < run["details"]["threshold"]["value"] < 1
    assert run["metrics"]["roc_auc"] >= 0.97
