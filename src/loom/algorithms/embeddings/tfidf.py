"""TF-IDF document vectors (scikit-learn) over Loom's English/Chinese tokenizer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.embeddings.common import (
    DocumentEmbeddingModel,
    read_settings,
    write_settings,
)
from loom.algorithms.registry import register
from loom.algorithms.text.tokenize import Tokenizer, tokenize
from loom.core.errors import InvalidInputError

VOCABULARY_FILE = "tfidf_vocabulary.json"
IDF_FILE = "tfidf_idf.npy"


class TfidfParams(BaseModel):
    """Parameters of ``tfidf_vectors``; names follow ``TfidfVectorizer``."""

    model_config = ConfigDict(extra="forbid")

    analyzer: Literal["word", "char_wb"] = Field(
        "word",
        description="word: n-grams of tokens; char_wb: character n-grams inside "
        "word boundaries (robust to typos and inflections).",
    )
    ngram_min: int = Field(1, ge=1, le=10, description="Shortest n-gram.")
    ngram_max: int = Field(1, ge=1, le=10, description="Longest n-gram.")
    max_features: int = Field(
        5_000, ge=2, le=1_000_000, description="Keep the most frequent n-grams only."
    )
    min_df: int = Field(
        1, ge=1, le=10_000, description="Ignore n-grams in fewer documents than this."
    )
    sublinear_tf: bool = Field(
        True, description="Use 1 + log(tf) so a repeated word counts less."
    )
    tokenizer: Tokenizer = Field(
        "auto",
        description="Word analyzer only. auto: jieba for text with Chinese "
        "characters, else lower-cased words without English stop words; "
        "whitespace: split on spaces; jieba.",
    )

    @model_validator(mode="after")
    def _ngram_range(self) -> TfidfParams:
        if self.ngram_max < self.ngram_min:
            raise ValueError(
                f"ngram_max ({self.ngram_max}) must be >= ngram_min ({self.ngram_min})"
            )
        return self


class TfidfVectors(DocumentEmbeddingModel):
    """L2-normalised TF-IDF vectors: the cosine of two documents is a dot product."""

    def __init__(
        self,
        analyzer: str = "word",
        ngram_min: int = 1,
        ngram_max: int = 1,
        max_features: int = 5_000,
        min_df: int = 1,
        sublinear_tf: bool = True,
        tokenizer: Tokenizer = "auto",
        random_state: int = 0,
    ) -> None:
        self.analyzer = analyzer
        self.ngram_min = ngram_min
        self.ngram_max = ngram_max
        self.max_features = max_features
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.tokenizer = tokenizer
        self.random_state = random_state

    def vectorizer(self) -> Any:
        """An unfitted ``TfidfVectorizer`` with these settings."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        words = self.analyzer == "word"
        return TfidfVectorizer(
            analyzer=self.analyzer,
            tokenizer=partial(tokenize, tokenizer=self.tokenizer) if words else None,
            token_pattern=None,
            lowercase=not words,
            ngram_range=(self.ngram_min, self.ngram_max),
            max_features=self.max_features,
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float32,
        )

    def fit(self, X: Sequence[str], y: Any = None) -> TfidfVectors:
        """Learn the vocabulary and inverse document frequencies.

        Raises:
            InvalidInputError: no n-gram survives (empty text, or ``min_df``).
        """
        vectorizer = self.vectorizer()
        try:
            vectorizer.fit([t if isinstance(t, str) else "" for t in X])
        except ValueError as exc:
            raise InvalidInputError(
                f"tfidf_vectors found no usable n-gram ({exc}); "
                "check the text column and min_df"
            ) from None
        self.model_ = vectorizer
        return self

    @property
    def dimension(self) -> int:
        """Vocabulary size (one dimension per n-gram)."""
        return len(self.model_.vocabulary_)

    @property
    def vocabulary_size(self) -> int:
        """Number of n-grams kept."""
        return self.dimension

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model_.transform(texts).toarray(), dtype=np.float32)


@register
class TfidfAlgorithm(Algorithm):
    """TF-IDF document vectors: term frequency weighted by rarity across documents.

    Saved as JSON (vocabulary, settings) and ``.npy`` (idf weights): no pickle.
    """

    name: ClassVar[str] = "tfidf_vectors"
    task: ClassVar[Task] = Task.EMBEDDING
    summary: ClassVar[str] = (
        "TF-IDF document vectors (scikit-learn) over word or character n-grams."
    )
    Params: ClassVar[type[BaseModel]] = TfidfParams

    def build(self, params: BaseModel, seed: int) -> TfidfVectors:
        """An unfitted ``TfidfVectors``."""
        assert isinstance(params, TfidfParams)
        return TfidfVectors(**params.model_dump(), random_state=seed)

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """Vocabulary as JSON, idf as ``.npy``, settings as JSON."""
        vocabulary = {str(k): int(v) for k, v in estimator.model_.vocabulary_.items()}
        (directory / VOCABULARY_FILE).write_text(json.dumps(vocabulary))
        np.save(directory / IDF_FILE, estimator.model_.idf_, allow_pickle=False)
        write_settings(estimator, directory)

    def load_estimator(self, directory: Path) -> TfidfVectors:
        """Rebuild the vectorizer from its vocabulary and idf weights."""
        estimator = TfidfVectors(**read_settings(directory)["params"])
        vectorizer = estimator.vectorizer()
        vectorizer.vocabulary_ = json.loads((directory / VOCABULARY_FILE).read_text())
        vectorizer.idf_ = np.load(directory / IDF_FILE, allow_pickle=False)
        estimator.model_ = vectorizer
        return estimator
