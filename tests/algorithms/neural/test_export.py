"""ONNX / TorchScript export of neural bundles matches the PyTorch estimator."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris

from loom.algorithms.neural.export import export_bundle
from loom.core.errors import InvalidInputError
from loom.training.bundle import ModelBundle
from loom.training.fitting import TrainingSpec, train


def _saved(frame: pd.DataFrame, target: str, algorithm: str, tmp: Path, **params):
    spec = TrainingSpec(algorithm=algorithm, params=params, target=target, seed=0)
    bundle = train(frame, spec).bundle
    directory = tmp / algorithm
    bundle.save(directory)
    return ModelBundle.load(directory), directory


def _unzip(path: Path) -> tuple[dict[str, bytes], dict]:
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return files, json.loads(files["preprocessing.json"])


def _onnx_run(model: bytes, X: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, {"features": X.astype(np.float32)})[0]


def test_export_mlp_onnx_matches_predict_proba(tmp_path: Path) -> None:
    frame = load_breast_cancer(as_frame=True).frame
    bundle, directory = _saved(frame, "target", "mlp_classifier", tmp_path, epochs=5)
    out = export_bundle(directory, "onnx", tmp_path / "mlp.zip")
    files, facts = _unzip(out)
    assert set(files) == {"model.onnx", "preprocessing.json", "README.txt"}
    assert facts["columns"] == bundle.encoder.feature_names_out
    assert facts["labels"] == [0, 1]
    assert len(facts["standardisation"]["mean"]) == 30
    # The documented preprocessing: encoder columns in order (no nulls here).
    X = bundle.encoder.transform_frame(frame)
    got = _onnx_run(files["model.onnx"], X)
    np.testing.assert_allclose(got, bundle.estimator.predict_proba(X), atol=1e-5)
    batch = _onnx_run(files["model.onnx"], X[:3])  # dynamic batch axis
    assert batch.shape == (3, 2)


def test_export_cnn_onnx_and_torchscript_match(tmp_path: Path) -> None:
    import torch

    frame = load_digits(as_frame=True).frame
    bundle, directory = _saved(frame, "target", "cnn_classifier", tmp_path, epochs=2)
    X = bundle.encoder.transform_frame(frame.iloc[:200])
    expected = bundle.estimator.predict_proba(X)
    files, facts = _unzip(export_bundle(directory, "onnx", tmp_path / "cnn.zip"))
    np.testing.assert_allclose(_onnx_run(files["model.onnx"], X), expected, atol=1e-5)
    assert facts["labels"] == list(range(10))
    files, _ = _unzip(export_bundle(directory, "torchscript", tmp_path / "ts.zip"))
    module = torch.jit.load(io.BytesIO(files["model.pt"]))
    with torch.no_grad():
        got = module(torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # Reloading the same file twice gives identical outputs.
    again = torch.jit.load(io.BytesIO(files["model.pt"]))
    with torch.no_grad():
        np.testing.assert_array_equal(
            again(torch.as_tensor(X, dtype=torch.float32)).numpy(), got
        )


def test_export_regressor_predictions_in_target_units(tmp_path: Path) -> None:
    frame = load_diabetes(as_frame=True, scaled=False).frame
    bundle, directory = _saved(frame, "target", "mlp_regressor", tmp_path, epochs=3)
    files, facts = _unzip(export_bundle(directory, "onnx", tmp_path / "r.zip"))
    assert facts["outputs"] == ["prediction"] and facts["labels"] is None
    X = bundle.encoder.transform_frame(frame)
    got = _onnx_run(files["model.onnx"], X)
    np.testing.assert_allclose(got, bundle.estimator.predict(X), rtol=1e-5, atol=1e-3)


def test_export_refuses_non_neural_and_unknown_format(tmp_path: Path) -> None:
    frame = load_iris(as_frame=True).frame
    _, directory = _saved(frame, "target", "logistic_regression", tmp_path)
    with pytest.raises(InvalidInputError, match="'logistic_regression' cannot be"):
        export_bundle(directory, "onnx", tmp_path / "x.zip")
    with pytest.raises(InvalidInputError, match="unknown export format 'tflite'"):
        export_bundle(directory, "tflite", tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


# The text flow's plot currently warns about an empty legend (not export's code).
@pytest.mark.filterwarnings("ignore:No artists with labels:UserWarning")
def test_export_refuses_text_classifier_until_it_has_a_hook(tmp_path: Path) -> None:
    from gensim.test.utils import datapath

    raw = Path(datapath("pang_lee_polarity.cor")).read_bytes()
    lines = raw.decode("utf-8", errors="replace").splitlines()
    label, text = zip(*(line.split(" ", 1) for line in lines), strict=True)
    frame = pd.DataFrame({"text": text, "label": label})
    _, directory = _saved(frame, "label", "text_ngram_classifier", tmp_path, epochs=1)
    with pytest.raises(InvalidInputError, match="'text_ngram_classifier' reads raw"):
        export_bundle(directory, "onnx", tmp_path / "t.zip")


def test_export_bakes_in_feature_selection_and_scaling(tmp_path: Path) -> None:
    from loom.training.options import FeatureSelectionOptions, TrainingOptions

    frame = load_breast_cancer(as_frame=True).frame
    options = TrainingOptions(
        standardize=True,
        feature_selection=FeatureSelectionOptions(method="mutual_info", k=10),
    )
    spec = TrainingSpec(
        algorithm="mlp_classifier",
        params={"epochs": 3},
        target="target",
        seed=0,
        options=options,
    )
    bundle = train(frame, spec).bundle
    bundle.save(tmp_path / "b")
    assert bundle.transform is not None
    files, facts = _unzip(export_bundle(tmp_path / "b", "onnx", tmp_path / "s.zip"))
    assert len(facts["columns"]) == 30 and facts["feature_transform"] is not None
    X = bundle.encoder.transform_frame(frame)
    expected = bundle.estimator.predict_proba(bundle.transform.apply(X))
    np.testing.assert_allclose(_onnx_run(files["model.onnx"], X), expected, atol=1e-5)
