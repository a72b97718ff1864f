"""The text-classification flow: pang_lee reviews through ``train`` and serving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loom.core.errors import InvalidInputError
from loom.training.bundle import ModelBundle
from loom.training.fitting import TrainingSpec, train
from loom.training.options import TrainingOptions
from tests.fixtures.english_corpora import pang_lee

NGRAM = {"epochs": 6, "min_count": 1}


@pytest.fixture(scope="module")
def reviews() -> pd.DataFrame:
    """gensim's 200 pang_lee movie-review lines: ``review`` text, ``sentiment``."""
    texts, codes = pang_lee()
    return pd.DataFrame(
        {
            "review": texts,
            "sentiment": [("neg", "pos")[c] for c in codes],
            "length": [len(t) for t in texts],
        }
    )


def _spec(algorithm: str = "text_ngram_classifier", **kwargs: object) -> TrainingSpec:
    kwargs.setdefault("params", NGRAM)
    kwargs.setdefault("features", ["review"])
    kwargs.setdefault("target", "sentiment")
    return TrainingSpec(algorithm=algorithm, **kwargs)  # type: ignore[arg-type]


def test_train_holdout_gives_tabular_details_and_serves_raw_text(
    reviews: pd.DataFrame, tmp_path: Path
) -> None:
    lines: list[str] = []
    epochs: list[int] = []
    outcome = train(
        reviews,
        _spec(options=TrainingOptions(standardize=True)),
        lines.append,
        on_epoch=lambda epoch, metrics: epochs.append(epoch),
    )
    assert outcome.n_train == 160 and outcome.n_test == 40
    assert {"accuracy", "f1", "roc_auc", "log_loss", "baseline_accuracy"} <= set(
        outcome.metrics
    )
    assert outcome.metrics["baseline_accuracy"] == 0.5
    details = outcome.details
    assert details["labels"] == ["neg", "pos"]
    assert details["evaluated_on"] == "holdout"
    assert np.asarray(details["confusion_matrix"]).sum() == 40
    assert details["roc_curve"] and details["pr_curve"]
    assert details["train_metrics"]["accuracy"] > outcome.metrics["baseline_accuracy"]
    assert details["report"]["vocab_size"] > 100
    assert len(details["report"]["history"]) == 6 and epochs == list(range(6))
    assert "confusion_matrix.png" in outcome.plots
    assert any("do not apply to text classifiers" in line for line in lines)

    outcome.bundle.save(tmp_path)
    loaded = ModelBundle.load(tmp_path)
    texts = ["a funny , moving and beautifully acted film", "dull and tedious"]
    served = loaded.predict_records([{"review": t} for t in texts])
    offline = outcome.bundle.estimator.predict_proba(texts)
    assert [list(p.values()) for p in served["probabilities"]] == offline.tolist()
    assert served["predictions"] == [["neg", "pos"][i] for i in offline.argmax(1)]
    assert loaded.input_schema[0]["name"] == "review"
    predictions, _ = loaded.predict_frame(reviews.head(5))
    assert len(predictions) == 5


def test_train_cross_validates_and_refits_on_every_document(
    reviews: pd.DataFrame,
) -> None:
    epochs: list[int] = []
    outcome = train(
        reviews,
        _spec("text_rnn_classifier", cv_folds=3, params={"epochs": 2}),
        on_epoch=lambda epoch, metrics: epochs.append(epoch),
    )
    assert outcome.cv_metrics is not None
    assert len(outcome.cv_metrics["accuracy"]) == 3
    assert outcome.n_train == outcome.n_test == 200
    assert outcome.details["evaluated_on"] == "cross_validation"
    assert np.asarray(outcome.details["confusion_matrix"]).sum() == 200
    assert epochs == [0, 1]  # only the stored (refit) model streams its epochs
    assert outcome.bundle.estimator.predict_proba(["fine"]).shape == (1, 2)


def test_train_drops_rows_without_text_or_label(reviews: pd.DataFrame) -> None:
    frame = reviews.copy()
    frame.loc[:4, "review"] = ["", "   ", None, None, None]
    frame.loc[5, "sentiment"] = None
    lines: list[str] = []
    outcome = train(frame, _spec(params={"epochs": 1}), lines.append)
    assert outcome.n_train + outcome.n_test == 194
    assert any("dropped 6 rows" in line for line in lines)
    assert outcome.bundle.input_schema[0]["missing_in_training"] is True


def test_train_refuses_unusable_input_naming_the_column(reviews: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="feature column 'length' must hold"):
        train(reviews, _spec(features=["length"]))
    one_class = reviews.assign(sentiment="pos")
    with pytest.raises(InvalidInputError, match="target 'sentiment' needs at least 2"):
        train(one_class, _spec())
    empty = reviews.assign(review="")
    with pytest.raises(InvalidInputError, match="text in 'review'"):
        train(empty, _spec())
    with pytest.raises(InvalidInputError, match="needs a target column"):
        train(reviews, _spec(target=None))
    with pytest.raises(InvalidInputError, match="target column 'nope' not found"):
        train(reviews, _spec(target="nope"))


def test_glove_start_lifts_cross_validated_accuracy_above_the_baseline(
    reviews: pd.DataFrame,
) -> None:
    """Through ``train``: five folds, frozen GloVe vectors, the run's report."""
    params = {"pretrained_embeddings": "glove-6b-50d", "freeze_embeddings": True}
    outcome = train(reviews, _spec(cv_folds=5, params=params), lambda line: None)
    assert outcome.cv_metrics is not None
    folds = outcome.cv_metrics["accuracy"]
    assert len(folds) == 5
    assert outcome.metrics["baseline_accuracy"] == 0.5
    assert np.mean(folds) >= 0.56
    report = outcome.details["report"]
    assert report["pretrained_embeddings"] == "glove-6b-50d"
    assert report["pretrained_coverage"] > 0.9
