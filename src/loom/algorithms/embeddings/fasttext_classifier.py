"""fastText supervised text classifier (bag of word n-grams), reading raw text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.embeddings import fasttext_io
from loom.algorithms.embeddings.common import read_settings, write_settings
from loom.algorithms.registry import register
from loom.algorithms.text.tokenize import Tokenizer, tokenize_all
from loom.core.errors import InvalidInputError

MODEL_FILE = "fasttext_classifier.bin"
LABEL_PREFIX = "__label__"


class FastTextClassifierParams(BaseModel):
    """Parameters of ``fasttext_classifier``; names follow the fastText CLI."""

    model_config = ConfigDict(extra="forbid")

    dim: int = Field(50, ge=2, le=1_000, description="Word vector dimension.")
    epoch: int = Field(10, ge=1, le=500, description="Passes over the training text.")
    lr: float = Field(0.5, ge=1e-4, le=5.0, description="Initial learning rate.")
    word_ngrams: int = Field(
        2, ge=1, le=5, description="Word n-grams length (fastText's wordNgrams)."
    )
    loss: Literal["softmax", "hs", "ova"] = Field(
        "softmax",
        description="softmax; hs: hierarchical softmax (many classes); ova: one "
        "binary classifier per class (probabilities renormalised to sum to 1).",
    )
    min_count: int = Field(
        1, ge=1, le=10_000, description="Ignore words seen fewer times than this."
    )
    minn: int = Field(0, ge=0, le=10, description="Shortest character n-gram (0: off).")
    maxn: int = Field(0, ge=0, le=10, description="Longest character n-gram.")
    bucket: int = Field(
        200_000, ge=1_000, le=10_000_000, description="Hash buckets for n-grams."
    )
    tokenizer: Tokenizer = Field(
        "auto",
        description="auto: jieba for text with Chinese characters, else lower-cased "
        "words without English stop words; whitespace: split on spaces; jieba.",
    )


class FastTextClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """fastText's linear classifier over averaged word and n-gram vectors.

    Fitted on class codes ``0..K-1`` (written as ``__label__<code>``); trained
    on one thread with Loom's seed so a run is reproducible.
    """

    def __init__(
        self,
        dim: int = 50,
        epoch: int = 10,
        lr: float = 0.5,
        word_ngrams: int = 2,
        loss: str = "softmax",
        min_count: int = 1,
        minn: int = 0,
        maxn: int = 0,
        bucket: int = 200_000,
        tokenizer: Tokenizer = "auto",
        random_state: int = 0,
    ) -> None:
        self.dim = dim
        self.epoch = epoch
        self.lr = lr
        self.word_ngrams = word_ngrams
        self.loss = loss
        self.min_count = min_count
        self.minn = minn
        self.maxn = maxn
        self.bucket = bucket
        self.tokenizer = tokenizer
        self.random_state = random_state

    def _lines(self, X: Sequence[str]) -> list[str]:
        texts = [t if isinstance(t, str) else "" for t in X]
        return [" ".join(tokens) for tokens in tokenize_all(texts, self.tokenizer)]

    def fit(self, X: Sequence[str], y: Any) -> FastTextClassifier:
        """Train on raw texts and integer class codes.

        Raises:
            InvalidInputError: fewer than two classes, or no text has a token.
        """
        codes = np.asarray(y).astype(int)
        self.classes_ = np.unique(codes)
        if len(self.classes_) < 2:
            raise InvalidInputError("fasttext_classifier needs at least 2 classes")
        lines = self._lines(X)
        if not any(lines):
            raise InvalidInputError(
                "no text has any token after tokenisation; is the text column empty?"
            )
        self.model_ = fasttext_io.train_from_lines(
            (f"{LABEL_PREFIX}{c} {line}" for c, line in zip(codes, lines, strict=True)),
            "supervised",
            dim=self.dim,
            epoch=self.epoch,
            lr=self.lr,
            wordNgrams=self.word_ngrams,
            loss=self.loss,
            minCount=self.min_count,
            minn=self.minn,
            maxn=self.maxn,
            bucket=fasttext_io.min_bucket(self.dim, self.bucket),
            thread=1,
            seed=self.random_state,
        )
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """``(n, K)`` class probabilities over ``classes_``, rows summing to 1."""
        check_is_fitted(self, "model_")
        lines = self._lines(X)
        column = {int(c): i for i, c in enumerate(self.classes_)}
        out = np.zeros((len(lines), len(self.classes_)))
        if not lines:
            return out
        labels, probabilities = fasttext_io.label_probabilities(self.model_, lines)
        for row, (names, probs) in enumerate(zip(labels, probabilities, strict=True)):
            for name, p in zip(names, probs, strict=True):
                out[row, column[int(name.removeprefix(LABEL_PREFIX))]] = p
        totals = out.sum(axis=1, keepdims=True)
        uniform = np.full_like(out, 1.0 / len(self.classes_))
        return np.where(totals > 0, out / np.where(totals > 0, totals, 1.0), uniform)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """The most probable class code of each text."""
        proba = self.predict_proba(X)
        result: np.ndarray = self.classes_[proba.argmax(axis=1)]
        return result


@register
class FastTextClassifierAlgorithm(Algorithm):
    """fastText supervised classification (Joulin et al. 2016) over one text column.

    Saved in fastText's own ``.bin`` format plus JSON settings (no pickle).
    """

    name: ClassVar[str] = "fasttext_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "fastText text classifier: averaged word and n-gram vectors, linear output."
    )
    Params: ClassVar[type[BaseModel]] = FastTextClassifierParams
    reads_text: ClassVar[bool] = True

    def build(self, params: BaseModel, seed: int) -> FastTextClassifier:
        """An unfitted ``FastTextClassifier`` seeded with ``seed``."""
        assert isinstance(params, FastTextClassifierParams)
        return FastTextClassifier(**params.model_dump(), random_state=seed)

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """fastText's ``.bin``, and the settings and class codes as JSON."""
        estimator.model_.save_model(str(directory / MODEL_FILE))
        write_settings(estimator, directory, classes=estimator.classes_.tolist())

    def load_estimator(self, directory: Path) -> FastTextClassifier:
        """Load the ``.bin`` with fastText's loader (no pickle)."""
        state = read_settings(directory)
        estimator = FastTextClassifier(**state["params"])
        estimator.classes_ = np.asarray(state["classes"], dtype=int)
        estimator.model_ = fasttext_io.load(directory / MODEL_FILE)
        return estimator
