"""``train`` for embedding runs: one text column, intrinsic metrics, kNN, bundle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loom.core.errors import InvalidInputError
from loom.training.bundle import ModelBundle
from loom.training.fitting import TrainingSpec, train
from tests.algorithms.test_embeddings import lee_documents, sentiment_reviews


def _lee_frame(n: int = 300) -> pd.DataFrame:
    texts: list[str | None] = list(lee_documents()[:n])
    texts[3] = None
    texts[7] = "   "
    return pd.DataFrame({"text": texts})


def test_word2vec_run_reports_vocabulary_coverage_and_neighbours(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    epochs: list[int] = []
    spec = TrainingSpec(algorithm="word2vec", params={"epochs": 5}, target=None)
    outcome = train(
        _lee_frame(), spec, lines.append, on_epoch=lambda e, _: epochs.append(e)
    )
    metrics = outcome.metrics
    assert metrics["dimension"] == 100 and metrics["vocabulary_size"] > 1_000
    assert 0 < metrics["analogy_coverage"] < 1
    assert 0 < metrics["wordsim353_coverage"] < 1
    assert "wordsim353_spearman" in metrics
    assert epochs == [0, 1, 2, 3, 4]
    assert any("dropped 2 rows with empty 'text'" in line for line in lines)
    assert outcome.n_train == 298 and outcome.n_test == 0
    details = outcome.details
    assert details["embedding"] == {"dimension": 100, "kind": "word"}
    assert details["report"]["neighbours"][0]["neighbours"]
    assert details["report"]["coverage"]["analogy"]["questions"] > 19_000
    assert [row["epoch"] for row in details["report"]["history"]] == epochs
    assert any("unsupervised" in note for note in details["notes"])
    outcome.bundle.save(tmp_path)
    served = ModelBundle.load(tmp_path).predict_records([{"text": "prime minister"}])
    assert len(served["predictions"][0]) == 100


def test_stop_request_keeps_the_epochs_trained_so_far() -> None:
    lines: list[str] = []
    epochs: list[int] = []
    spec = TrainingSpec(algorithm="word2vec", params={"epochs": 6}, target=None)
    outcome = train(
        _lee_frame(100),
        spec,
        lines.append,
        on_epoch=lambda e, _: epochs.append(e),
        should_stop=lambda: len(epochs) >= 2,
    )
    assert epochs == [0, 1]
    assert any("stopped on request after 2 epochs" in line for line in lines)
    assert outcome.bundle.estimator.embed(["minister"]).shape == (1, 100)


def test_label_column_gives_knn_accuracy_above_the_majority_baseline() -> None:
    texts, labels = sentiment_reviews(200)
    frame = pd.DataFrame({"review": texts, "label": labels})
    spec = TrainingSpec(algorithm="tfidf_vectors", params={}, target="label")
    metrics = train(frame, spec).metrics
    assert metrics["knn_baseline_accuracy"] == pytest.approx(0.5)
    assert metrics["knn_accuracy"] > metrics["knn_baseline_accuracy"] + 0.1
    assert "analogy_accuracy" not in metrics


def test_chinese_word_model_skips_the_english_benchmarks() -> None:
    texts, _ = sentiment_reviews(150)
    lines: list[str] = []
    spec = TrainingSpec(algorithm="word2vec", params={"epochs": 2}, target=None)
    outcome = train(pd.DataFrame({"text": texts}), spec, lines.append)
    assert "analogy_coverage" not in outcome.metrics
    assert any("English: skipped" in line for line in lines)


def test_document_model_details_say_document() -> None:
    spec = TrainingSpec(algorithm="tfidf_vectors", params={}, target=None)
    outcome = train(_lee_frame(50), spec)
    assert outcome.details["embedding"]["kind"] == "document"
    vectors = outcome.bundle.predict_frame(pd.DataFrame({"text": ["a", "b"]}))[0]
    assert np.asarray(vectors).shape == (2, outcome.details["embedding"]["dimension"])


def test_two_text_columns_need_a_feature_choice() -> None:
    frame = pd.DataFrame({"a": list(lee_documents()[:5]), "b": ["x y"] * 5})
    spec = TrainingSpec(algorithm="word2vec", params={}, target=None)
    with pytest.raises(InvalidInputError, match="exactly one text column"):
        train(frame, spec)
