"""GET /models/{model}/versions/{version}/export: zip download, isolation, refusals."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from loom.client import Client
from loom.client.base import LoomAPIError
from tests.fixtures.api import Api

pytestmark = pytest.mark.slow


def test_export_route_downloads_zip_and_hides_other_workspaces(
    api: Api, sdk: Client, tmp_path: Path
) -> None:
    import onnxruntime as ort

    frame = load_breast_cancer(as_frame=True).frame
    frame = frame.rename(columns=lambda c: c.replace(" ", "_"))
    api.import_csv("cancer", frame)
    run = api.train(
        dataset="cancer",
        target="target",
        algorithm="mlp_classifier",
        params={"epochs": 3},
    )
    api.ok("POST", "/models", json={"name": "net", "run_id": run["id"]})
    info = api.ok("GET", "/models/net/versions/1/export")
    assert info["formats"] == ["onnx", "torchscript"]
    response = api.call("GET", "/models/net/versions/1/export?format=onnx")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        facts = json.loads(archive.read("preprocessing.json"))
        session = ort.InferenceSession(archive.read("model.onnx"))
    # Every breast-cancer column is a complete number: the encoded matrix is
    # the raw columns in the listed order (README: nulls → fill, strings → one-hot).
    X = frame[facts["columns"]].to_numpy(np.float32)
    proba = session.run(None, {"features": X})[0]
    assert proba.shape == (len(frame), 2)
    accuracy = float((proba.argmax(axis=1) == frame["target"]).mean())
    assert accuracy >= 0.9
    # The SDK writes the same download to a file.
    path = sdk.models.export("net", 1, "torchscript", tmp_path / "m.zip")
    assert "model.pt" in zipfile.ZipFile(path).namelist()
    other = api.new_workspace_token("elsewhere")
    hidden = api.call("GET", "/models/net/versions/1/export?format=onnx", token=other)
    assert hidden.status_code == 404
    bad = api.call("GET", "/models/net/versions/1/export?format=tflite")
    assert bad.status_code == 422


def test_export_route_refuses_non_neural_model(
    api: Api, sdk: Client, iris_frame: Any, tmp_path: Path
) -> None:
    api.import_csv("iris", iris_frame)
    run = api.train(dataset="iris", target="species", algorithm="logistic_regression")
    api.ok("POST", "/models", json={"name": "lin", "run_id": run["id"]})
    assert api.ok("GET", "/models/lin/versions/1/export")["formats"] == []
    response = api.call("GET", "/models/lin/versions/1/export?format=onnx")
    assert response.status_code == 422
    assert "'logistic_regression' cannot be exported" in response.json()["detail"]
    with pytest.raises(LoomAPIError, match="cannot be exported"):
        sdk.models.export("lin", 1, "onnx", tmp_path / "never.zip")
    assert not (tmp_path / "never.zip").exists()
