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

from loom.algorithms.neural.export import export_bundle, exportable_algorithms, text_ids
from loom.core.errors import InvalidInputError
from loom.training.bundle import ModelBundle
from loom.training.fitting import TrainingSpec, train
from tests.fixtures.english_corpora import pang_lee

# The text flow's plot warns about an empty legend (not export's code).
pytestmark = pytest.mark.filterwarnings("ignore:No artists with labels:UserWarning")


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


# -- text models ---------------------------------------------------------------

# (algorithm, parameters): tiny networks; the recurrent ones cover final-state
# pooling of a 2-layer BiLSTM and masked attention over a BiGRU.
TEXT_MODELS = {
    "ngram": (
        "text_ngram_classifier",
        {"embedding_dim": 8, "buckets": 500, "char_ngram_max": 4},
    ),
    "bigru_attention": (
        "text_rnn_classifier",
        {"embedding_dim": 8, "hidden_size": 6, "attention_dim": 4},
    ),
    "lstm_last": (
        "text_rnn_classifier",
        {
            "embedding_dim": 8,
            "hidden_size": 6,
            "cell": "lstm",
            "layers": 2,
            "pooling": "last",
        },
    ),
    "transformer": (
        "text_transformer_classifier",
        {
            "d_model": 8,
            "heads": 2,
            "layers": 1,
            "ff_dim": 16,
            "max_length": 40,
        },
    ),
    # GloVe's 50-d rows projected to d_model 8: the projection must export too.
    "transformer_glove": (
        "text_transformer_classifier",
        {
            "d_model": 8,
            "heads": 2,
            "layers": 1,
            "ff_dim": 16,
            "max_length": 40,
            "pretrained_embeddings": "glove-6b-50d",
            "pretrained_vocab": 500,
        },
    ),
}


def _pang_lee() -> pd.DataFrame:
    texts, codes = pang_lee()
    labels = [("__label__neg", "__label__pos")[c] for c in codes]
    return pd.DataFrame({"text": texts, "label": labels})


def _mixed_lengths(frame: pd.DataFrame) -> list[str]:
    """Documents of very different lengths in one batch (cut, empty, unknown)."""
    texts = frame["text"].tolist()[:30]
    return [*texts, texts[0][:12], "", "zzzz qqqq", " ".join(texts[:3])]


@pytest.mark.parametrize("case", sorted(TEXT_MODELS))
def test_export_text_classifier_onnx_and_torchscript_match_predict_proba(
    case: str, tmp_path: Path
) -> None:
    import onnxruntime as ort
    import torch

    frame = _pang_lee()
    algorithm, network = TEXT_MODELS[case]
    params = {"epochs": 2, "min_count": 1, **network}
    bundle, directory = _saved(frame, "label", algorithm, tmp_path, **params)
    files, facts = _unzip(export_bundle(directory, "onnx", tmp_path / "t.zip"))
    assert set(files) == {
        "model.onnx",
        "preprocessing.json",
        "README.txt",
        "text_vocab.json",
    }
    vocab = json.loads(files["text_vocab.json"])
    assert vocab == json.loads((directory / "text_vocab.json").read_text())
    assert facts["labels"] == ["__label__neg", "__label__pos"]
    assert facts["inputs"] == ["ids"] and facts["outputs"] == ["probabilities"]
    texts = _mixed_lengths(frame)
    expected = bundle.estimator.predict_proba(texts)
    ids = text_ids(facts, vocab, texts)
    session = ort.InferenceSession(files["model.onnx"])
    got = session.run(None, {"ids": ids})[0]
    np.testing.assert_allclose(got, expected, atol=1e-5)
    short = text_ids(facts, vocab, texts[-4:-1])  # other batch and length axes
    np.testing.assert_allclose(
        session.run(None, {"ids": short})[0], expected[-4:-1], atol=1e-5
    )
    files, _ = _unzip(export_bundle(directory, "torchscript", tmp_path / "s.zip"))
    module = torch.jit.load(io.BytesIO(files["model.pt"]))
    with torch.no_grad():
        scripted = module(torch.from_numpy(ids)).numpy()
    np.testing.assert_allclose(scripted, expected, atol=1e-5)


def test_exportable_algorithms_list_text_models_and_tagger() -> None:
    names = exportable_algorithms()
    assert {"mlp_classifier", "cnn_classifier", "bilstm_crf_tagger"} <= set(names)
    assert {name for name, _ in TEXT_MODELS.values()} <= set(names)
    assert "fasttext_classifier" not in names and "logistic_regression" not in names


def test_export_refuses_text_model_without_export_hook(tmp_path: Path) -> None:
    frame = _pang_lee()
    _, directory = _saved(frame, "label", "fasttext_classifier", tmp_path, epoch=1)
    with pytest.raises(InvalidInputError, match="'fasttext_classifier' cannot be"):
        export_bundle(directory, "onnx", tmp_path / "f.zip")


def _viterbi(emissions: np.ndarray, crf: dict) -> list[int]:
    """Best tag path of one sentence's (length, K) emissions, in numpy."""
    trans = np.asarray(crf["transitions"])
    score = np.asarray(crf["start"]) + emissions[0]
    pointers = []
    for row in emissions[1:]:
        candidates = score[:, None] + trans
        pointers.append(candidates.argmax(axis=0))
        score = candidates.max(axis=0) + row
    path = [int((score + np.asarray(crf["end"])).argmax())]
    for back in reversed(pointers):
        path.append(int(back[path[-1]]))
    return path[::-1]


def _tagger_ids(facts: dict, vocab: dict, sentences: list[list[str]]) -> np.ndarray:
    """The README's recipe: word id, then the first max_chars characters' ids."""
    words = {w: i + 2 for i, w in enumerate(vocab["words"])}
    chars = {c: i + 2 for i, c in enumerate(vocab["chars"])}
    n_chars = facts["tokens"]["max_chars"]
    ids = np.zeros((len(sentences), max(map(len, sentences)), 1 + n_chars), np.int64)
    for i, sentence in enumerate(sentences):
        for t, word in enumerate(sentence):
            ids[i, t, 0] = words.get(word, 1)
            codes = [chars.get(c, 1) for c in word[:n_chars]]
            ids[i, t, 1 : 1 + len(codes)] = codes
    return ids


def test_export_bilstm_crf_emissions_and_viterbi_equal_predict(tmp_path: Path) -> None:
    import onnxruntime as ort
    import torch

    from tests.algorithms.neural.test_bilstm_crf import to_bio
    from tests.fixtures.peoples_daily import load_peoples_daily

    frame = load_peoples_daily(200)
    frame = frame.assign(tags=[" ".join(to_bio(t.split())) for t in frame["tags"]])
    params = {
        "epochs": 2,
        "embedding_dim": 12,
        "hidden_size": 8,
        "char_features": True,
        "char_dim": 4,
    }
    bundle, directory = _saved(frame, "tags", "bilstm_crf_tagger", tmp_path, **params)
    files, facts = _unzip(export_bundle(directory, "onnx", tmp_path / "b.zip"))
    assert "tagger_vocab.json" in files and "Viterbi" in files["README.txt"].decode()
    vocab = json.loads(files["tagger_vocab.json"])
    sentences = [s.split() for s in frame["tokens"].iloc[150:190]] + [
        ["未知词", "北京"]
    ]
    ids = _tagger_ids(facts, vocab, sentences)
    emissions = ort.InferenceSession(files["model.onnx"]).run(None, {"ids": ids})[0]
    decoded = [
        [facts["tags"][j] for j in _viterbi(emissions[i, : len(s)], facts["crf"])]
        for i, s in enumerate(sentences)
    ]
    assert decoded == bundle.estimator.predict([" ".join(s) for s in sentences])
    files, _ = _unzip(export_bundle(directory, "torchscript", tmp_path / "c.zip"))
    module = torch.jit.load(io.BytesIO(files["model.pt"]))
    with torch.no_grad():
        scripted = module(torch.from_numpy(ids)).numpy()
    np.testing.assert_allclose(scripted, emissions, atol=1e-5)
